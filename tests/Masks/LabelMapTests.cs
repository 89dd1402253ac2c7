using SamDiffSR.Masks;
using Xunit;
using SamDiffSR.Masks.Spe;

using SamDiffSR.Tests.Masks.Spe;
namespace SamDiffSR.Tests.Masks;

public class LabelMapTests
{
    [Fact]
    public void ToMasks_OnePerLabelAscending_UncoveredExcluded()
    {
        var lm = new LabelMap(2, 4, new[] { 5, 5, -1, 2, 2, 0, 0, -1 });
        Assert.Equal(new[] { 0, 2, 5 }, lm.SegmentLabels());
        var masks = lm.ToMasks();
        Assert.Equal(3, masks.Count);
        Assert.Equal(new[] { false, false, false, false, false, true, true, false }, masks[0].ToRowMajor());
        Assert.Equal(new[] { false, false, false, true, true, false, false, false }, masks[1].ToRowMajor());
        Assert.Equal(new[] { true, true, false, false, false, false, false, false }, masks[2].ToRowMajor());
        // masks → label map with the original labels restores it exactly; uncovered stays −1
        var back = LabelMap.FromMasks(masks, 2, 4, labels: lm.SegmentLabels());
        Assert.Equal(lm.Labels.ToArray(), back.Labels.ToArray());
        Assert.Equal(LabelMap.Uncovered, back[0, 2]);
    }

    [Theory]
    [InlineData(1, 1, 3, 0)]        // a single pixel
    [InlineData(7, 5, 4, 1)]        // few labels, runs across column boundaries
    [InlineData(23, 31, 40, 2)]     // many labels, many short runs
    [InlineData(16, 9, 6, 3)]       // labels up to 2^30: the dictionary path
    public void ToMasks_OnePass_EqualsOneScanPerLabel(int h, int w, int labelCount, int seed)
    {
        var rng = new Random(seed);
        int[] alphabet = seed == 3 ? [0, 7, 1 << 20, 1 << 30, 12345, 99] : Enumerable.Range(0, labelCount).Select(i => 3 * i).ToArray();
        var buf = new int[h * w];
        for (int i = 0; i < buf.Length; i++)
        {
            // blobs: keep the previous label often so that runs are long, with uncovered pixels mixed in
            buf[i] = i > 0 && rng.NextDouble() < 0.6 ? buf[i - 1] : rng.NextDouble() < 0.15 ? LabelMap.Uncovered : alphabet[rng.Next(Math.Min(labelCount, alphabet.Length))];
        }
        if (buf.Length > 1) buf[^1] = buf[0] == LabelMap.Uncovered ? alphabet[0] : buf[0];   // a label that ends the image
        var lm = new LabelMap(h, w, buf);
        var masks = lm.ToMasks();
        var labels = lm.SegmentLabels();
        Assert.Equal(labels.Count, masks.Count);
        for (int k = 0; k < labels.Count; k++)
        {
            var naive = BinaryMask.FromRowMajor(buf.Select(v => v == labels[k]).ToArray(), h, w);
            Assert.Equal(naive.Counts, masks[k].Counts);
            Assert.Equal(naive.Area, masks[k].Area);
        }
    }

    [Fact]
    public void RoundTrip_ReferenceCases_WithContiguousLabels()
    {
        foreach (var c in SpeReference.Cases.Where(c => c.Labels is not null))
        {
            var back = LabelMap.FromMasks(c.Labels!.ToMasks(), c.H, c.W);
            Assert.Equal(c.Labels.Labels.ToArray(), back.Labels.ToArray());
        }
        // the irregular case has a 2×4 block of uncovered pixels
        Assert.Equal(8, SpeReference.Get("irregular_24x20").Labels!.Labels.ToArray().Count(l => l == LabelMap.Uncovered));
    }

    [Fact]
    public void FromMasks_BothOverlapRules()
    {
        // A: columns 0..2, B: columns 2..4 of a 2×5 image; they overlap in column 2.
        var a = BinaryMask.FromPredicate(2, 5, (r, c) => c <= 2);
        var b = BinaryMask.FromPredicate(2, 5, (r, c) => c >= 2);
        var masks = new[] { a, b };
        var later = LabelMap.FromMasks(masks, 2, 5, OverlapRule.LaterOverwrites);
        Assert.Equal(new[] { 0, 0, 1, 1, 1, 0, 0, 1, 1, 1 }, later.Labels.ToArray());
        var scoreA = LabelMap.FromMasks(masks, 2, 5, OverlapRule.HigherScoreWins, new[] { 0.95, 0.90 });
        Assert.Equal(new[] { 0, 0, 0, 1, 1, 0, 0, 0, 1, 1 }, scoreA.Labels.ToArray());
        var tie = LabelMap.FromMasks(masks, 2, 5, OverlapRule.HigherScoreWins, new[] { 0.9, 0.9 });
        Assert.Equal(later.Labels.ToArray(), tie.Labels.ToArray()); // ties: later wins, as the official order
        // records: scores are predicted IoU
        var recs = new[] { MaskRecord.FromMask(a, 0.95), MaskRecord.FromMask(b, 0.90) };
        Assert.Equal(scoreA.Labels.ToArray(), LabelMap.FromRecords(recs, 2, 5, OverlapRule.HigherScoreWins).Labels.ToArray());
    }

    [Fact]
    public void OfficialOverlapCase_LabelMapMatchesPaintOrder()
    {
        var c = SpeReference.Get("overlap_uncovered_10x14");
        var lm = LabelMap.FromMasks(c.Masks, c.H, c.W);
        var official = new SpeEncoder(SpeOptions.Official);
        var values = official.RegionValues(c.Masks, c.H, c.W);
        for (int r = 0; r < c.H; r++)
            for (int col = 0; col < c.W; col++)
            {
                int l = lm[r, col];
                float expected = l < 0 ? 0f : (float)values[l];
                Assert.Equal(c.RopeOutput[r * c.W + col], expected, 6);
            }
    }

    [Fact]
    public void InvalidInput_Throws()
    {
        Assert.Throws<ArgumentException>(() => new LabelMap(1, 2, new[] { 0, -2 }));
        Assert.Throws<ArgumentException>(() => new LabelMap(2, 2, new[] { 0, 1, 2 }));
        Assert.Throws<ArgumentException>(() => LabelMap.FromMasks(new[] { BinaryMask.FromPredicate(2, 2, (_, _) => true) }, 3, 2));
        Assert.Throws<ArgumentException>(() => LabelMap.FromRows(new[] { new[] { 0, 1 }, new[] { 0 } }));
    }

    [Fact]
    public void FromRecord_PointLiesInsideMask_AndBboxIsSamConvention()
    {
        // a ring-like L shape
        var m = BinaryMask.FromPredicate(6, 7, (r, c) => (r == 4 && c >= 2) || (c == 6 && r >= 1 && r <= 4));
        var rec = MaskRecord.FromMask(m, 0.9, 0.95);
        Assert.Equal(new double[] { 2, 1, 4, 3 }, rec.Bbox); // x 2..6, y 1..4 -> w = 4, h = 3
        var pt = rec.PointCoords.Single();
        Assert.True(m[(int)pt[1], (int)pt[0]]);
        Assert.Equal(new double[] { 6, 1 }, pt); // first foreground pixel in row-major order
        Assert.Equal(m.Area, rec.Area);
        Assert.Equal(new double[] { 0, 0, 7, 6 }, rec.CropBox);
        // a run that wraps from the bottom of one column to the top of the next spans all rows
        var wrap = BinaryMask.FromCounts(4, 3, new[] { 3, 2, 7 }); // pixels (3,0) and (0,1)
        Assert.Equal((0, 0, 1, 3), wrap.SamBoundingBox());
        Assert.Equal((0, 0, 0, 0), BinaryMask.FromCounts(2, 2, new[] { 4 }).SamBoundingBox());
    }
}
