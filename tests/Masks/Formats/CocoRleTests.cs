using SamDiffSR.Masks;
using Xunit;
using SamDiffSR.Masks.Formats;

namespace SamDiffSR.Tests.Masks.Formats;

public class CocoRleTests
{
    // 3×4 mask, rows:            column-major scan (col 0, col 1, ...):
    //   0 1 1 0                  0 0 1 | 1 1 1 | 1 0 0 | 0 0 1
    //   0 1 0 0                  runs: 2 zeros, 5 ones, 4 zeros, 1 one -> counts [2, 5, 4, 1]
    //   1 1 0 1
    // compressed: 2 -> '2', 5 -> '5', 4 -> '4', then delta 1 - 5 = -4 = 0b11100 (sign bit 0x10 set, no more
    // groups) -> 28 + 48 = 'L'  =>  "254L"
    private static readonly bool[] Tiny =
    [
        false, true, true, false,
        false, true, false, false,
        true, true, false, true,
    ];

    [Fact]
    public void HandComputedExample_EncodesColumnMajor_AndCompresses()
    {
        var m = BinaryMask.FromRowMajor(Tiny, 3, 4);
        Assert.Equal(new[] { 2, 5, 4, 1 }, m.Counts);
        Assert.Equal(6, m.Area);
        Assert.Equal("254L", CocoRle.Compress(m));
        var back = CocoRle.ToMask(3, 4, "254L");
        Assert.Equal(Tiny, back.ToRowMajor());
        Assert.True(back[2, 0] && !back[0, 0] && back[0, 2] && back[2, 3] && !back[1, 3]);
        // SAM bbox: cols 0..3, rows 0..2 -> [0, 0, 3, 2] (max − min, no +1)
        Assert.Equal((0, 0, 3, 2), m.SamBoundingBox());
    }

    [Fact]
    public void MultiGroupValues_AndNegativeDeltas()
    {
        // 100 = 0b1100100 -> groups 4 (+0x20 continuation) = 'T', 3 = '3'
        // 20 = 0b10100: bit 0x10 set would read as negative -> needs a second group: 'd' (20|0x20 + 48), '0'
        // 3 -> '3'; index 3: 1 − 20 = −19 -> low group 13 with continuation ']' then 31 (all sign bits) 'O'
        Assert.Equal("T3d03]O", CocoRle.Compress(new[] { 100, 20, 3, 1 }));
        Assert.Equal(new[] { 100, 20, 3, 1 }, CocoRle.Decompress("T3d03]O"));
        // 5×8: left 4 columns 0, right 4 columns 1 -> counts [20, 20] -> "d0d0"
        var half = BinaryMask.FromPredicate(5, 8, (r, c) => c >= 4);
        Assert.Equal("d0d0", CocoRle.Compress(half));
        Assert.Equal((4, 0, 3, 4), half.SamBoundingBox());
    }

    [Fact]
    public void RealPycocotoolsString_DecodesToFullImage_AndReEncodesIdentically()
    {
        // A 50×70 mask encoded by pycocotools (quoted in armengot/COCOtoolsFORK python/README.md).
        const string s = "0g05b08J4M2N2NA^O1`0OCO=0E090H080IO68DH;>@C>a0_O_O`0j0OWOF<:CM72I24NL43JM92FN;1ENKO72L0LO91J0MO92INO0NO122OO0M031O000NO31OO11MO40N011MO41MO21L06OL021L06OL021L06OL021L060J040L060J040L060J040L060J040L060J040L060J040L060KO31L060KO31L06OL021L06OL021L06OL021MO41MO21MO40N100NO310O00M0310O00NO1220NO92IONO91KOMO72M0<1EO:2GN63KM34OLM73JF<;=1G_O_Ob0=AC`07EH=1IO71H090F0:1DO>1_O1b0>2N2N3L6H]O";
        var m = CocoRle.ToMask(50, 70, s); // throws unless the counts sum to exactly 3500
        Assert.Equal(366, m.Counts.Count);
        Assert.Equal(0, m.Counts[0]); // starts with foreground at pixel (0, 0)
        Assert.True(m[0, 0]);
        Assert.Equal(2346, m.Area);
        Assert.Equal(s, CocoRle.Compress(m));
        Assert.Equal(s, CocoRle.Compress(BinaryMask.FromRowMajor(m.ToRowMajor(), 50, 70)));
    }

    [Fact]
    public void RandomMasks_RoundTrip()
    {
        var rng = new Random(1234);
        for (int t = 0; t < 50; t++)
        {
            int h = rng.Next(1, 40), w = rng.Next(1, 40);
            double p = rng.NextDouble();
            // blobby masks: runs along rows so column-major runs vary in length
            var px = new bool[h * w];
            bool cur = rng.NextDouble() < 0.5;
            for (int i = 0; i < px.Length; i++) { if (rng.NextDouble() < p * 0.3) cur = !cur; px[i] = cur; }
            var m = BinaryMask.FromRowMajor(px, h, w);
            Assert.Equal(px.Count(b => b), m.Area);
            var s = CocoRle.Compress(m);
            var back = CocoRle.ToMask(h, w, s);
            Assert.Equal(px, back.ToRowMajor());
            Assert.Equal(m.Counts, back.Counts);
            for (int k = 0; k < 10; k++)
            {
                int r = rng.Next(h), c = rng.Next(w);
                Assert.Equal(px[r * w + c], back[r, c]);
            }
        }
    }

    [Fact]
    public void UncompressedCounts_WithEmptyRuns_AreAccepted()
    {
        // counts [0, 3, 0, 2, 1]: 3 ones, an empty zero run, 2 ones, 1 zero (H=2, W=3)
        var m = BinaryMask.FromCounts(2, 3, new[] { 0, 3, 0, 2, 1 });
        Assert.Equal(5, m.Area);
        Assert.Equal(new[] { true, true, true, true, true, false }, m.ToRowMajor());
        Assert.True(m.PixelsEqual(BinaryMask.FromCounts(2, 3, new[] { 0, 5, 1 })));
    }

    [Fact]
    public void BadInput_GivesClearErrors()
    {
        var ex = Assert.Throws<InvalidDataException>(() => CocoRle.ToMask(3, 4, "254"));
        Assert.Contains("12 pixels", ex.Message);
        Assert.Throws<InvalidDataException>(() => CocoRle.Decompress("25~"));   // '~' is outside '0'..'o'
        Assert.Throws<InvalidDataException>(() => CocoRle.Decompress("T"));     // ends inside a value
        Assert.Throws<InvalidDataException>(() => CocoRle.Decompress("00L"));   // index 2 is not delta-coded: −4
        Assert.Throws<InvalidDataException>(() => CocoRle.Decompress("000L"));  // 0 + (−4) is negative
        Assert.Throws<InvalidDataException>(() => BinaryMask.FromCounts(2, 2, new[] { 1, -1, 4 }));
    }
}
