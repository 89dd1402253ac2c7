using SamDiffSR.Masks;
using Xunit;
using SamDiffSR.Masks.Spe;

namespace SamDiffSR.Tests.Masks.Spe;

public class SpeEncoderTests
{
    private const double Tol = 1e-6;

    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double tol, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol, $"{what}[{i}]: expected {expected[i]}, got {actual[i]}");
    }

    public static IEnumerable<object[]> Cases() => SpeReference.CaseNames();

    [Theory]
    [MemberData(nameof(Cases))]
    public void OfficialConfig_ReproducesRopeOutput(string name)
    {
        var c = SpeReference.Get(name);
        var map = new SpeEncoder(SpeOptions.Official).Encode(c.Masks, c.H, c.W);
        Assert.Equal((c.H, c.W), (map.Height, map.Width));
        AssertClose(c.RopeOutput, map.Values, Tol, name + " rope_output");
        // distinct values incl. the 0 of uncovered pixels (rope_unique_values)
        Assert.Equal(c.RopeUniqueValues, map.ToArray().Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void OfficialConfig_RegionValuesAndPixelCounts(string name)
    {
        var c = SpeReference.Get(name);
        var values = new SpeEncoder(SpeOptions.Official).RegionValues(c.Masks, c.H, c.W);
        Assert.Equal(c.RegionValuesF32.Length, values.Length);
        for (int k = 0; k < values.Length; k++)
        {
            Assert.Equal(c.RegionPixels[k], c.Masks[k].Area);
            Assert.True(Math.Abs(c.RegionValuesF32[k] - values[k]) <= Tol, $"{name} mask {k}: {c.RegionValuesF32[k]} vs {values[k]}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void RopeBaseMap_MatchesOfficialRotaryEmbedding(string name)
    {
        var c = SpeReference.Get(name);
        var b = PositionBaseMap.Compute(SpeVariant.RoPE, c.H, c.W);
        AssertClose(c.RopeBase, b.Select(v => (float)v).ToArray(), Tol, name + " rope_base_map");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void OfficialCosineSimilarity_ReproducesAblation(string name)
    {
        var c = SpeReference.Get(name);
        var map = new SpeEncoder(new SpeOptions(SpeVariant.OfficialCosineSimilarity, SegmentValueRule.WholeImageDivisor)).Encode(c.Masks, c.H, c.W);
        AssertClose(c.CosineOutput.Select(v => (float)v).ToArray(), map.Values, Tol, name + " cosine_output");
        // closed form: sqrt(|M|/N)
        var v0 = new SpeEncoder(new SpeOptions(SpeVariant.OfficialCosineSimilarity)).RegionValues(c.Masks, c.H, c.W)[0];
        Assert.Equal(Math.Sqrt((double)c.Masks[0].Area / (c.H * c.W)), v0, 12);
    }

    [Fact]
    public void OfficialSinCos_ReproducesAblation_OnSquareCase()
    {
        var c = SpeReference.Get("rects_16x16");
        Assert.NotNull(c.SinCosOutput);
        var map = new SpeEncoder(new SpeOptions(SpeVariant.OfficialSinCos, SegmentValueRule.WholeImageDivisor)).Encode(c.Masks, c.H, c.W);
        AssertClose(c.SinCosOutput!.Select(v => (float)v).ToArray(), map.Values, Tol, "sincos_output");
        Assert.Throws<ArgumentException>(() => PositionBaseMap.Compute(SpeVariant.OfficialSinCos, 12, 16));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void DatasetRules_MatchOfficial(string name)
    {
        var c = SpeReference.Get(name);
        var map = new SpeEncoder(SpeOptions.Official).Encode(c.Masks, c.H, c.W);
        AssertClose(c.AfterAllSameToZero, SpeReducer.Apply(map, SpeReduce.AllSameToZero).Values, Tol, name + " all_same_to_zero");
        AssertClose(c.AfterNormalize01, SpeReducer.Apply(map, SpeReduce.ZScore).Values, Tol, name + " normalize_01");
        AssertClose(c.AfterNormalize11, SpeReducer.Apply(map, SpeReduce.ZScoreMinus1).Values, Tol, name + " normalize_11");
    }

    [Fact]
    public void SingleRegion_IsConstantMeanOfBase_NotZeroed_UnlessReduce()
    {
        var c = SpeReference.Get("single_region_12x16");
        foreach (var opts in new[] { SpeOptions.Official, SpeOptions.Paper })
        {
            var map = new SpeEncoder(opts).Encode(c.Masks, c.H, c.W);
            Assert.True(SpeReducer.SingleValued(map.Values));
            // one segment = the whole image, so |M| = H·W and both value rules give mean(base) = 0.70761
            Assert.Equal(SpeReference.SingleRegionConstant, map[5, 7], 6);
            Assert.Equal(0.70761, map[0, 0], 5);
            Assert.Equal(PositionBaseMap.Compute(SpeVariant.RoPE, 12, 16).Average(), map[0, 0], 6);
            Assert.All(SpeReducer.Apply(map, SpeReducer.Paper).ToArray(), v => Assert.Equal(0f, v));
            Assert.Equal(map.ToArray(), SpeReducer.Apply(map, SpeReducer.Official).ToArray());
            // z-scoring leaves a single-valued patch alone (official: len(np.unique) != 1 guard)
            Assert.Equal(map.ToArray(), SpeReducer.Apply(map, SpeReduce.ZScore | SpeReduce.ZScoreMinus1).ToArray());
        }
    }

    [Fact]
    public void ZScore_IsPopulationStd()
    {
        var patch = new SpeMap(1, 4, new float[] { 1, 2, 3, 4 });
        var z = SpeReducer.Apply(patch, SpeReduce.ZScore).ToArray();
        double sd = Math.Sqrt(1.25); // ddof = 0
        Assert.Equal((1 - 2.5) / sd, z[0], 6);
        Assert.Equal((4 - 2.5) / sd, z[3], 6);
        var z1 = SpeReducer.Apply(patch, SpeReduce.ZScoreMinus1).ToArray();
        Assert.Equal((4 - 2.5) / sd - 1, z1[3], 6);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void SegmentMean_EqualsWholeImageValue_TimesNOverArea(string name)
    {
        var c = SpeReference.Get(name);
        var paper = new SpeEncoder(SpeOptions.Paper).RegionValues(c.Masks, c.H, c.W);
        var official = new SpeEncoder(SpeOptions.Official).RegionValues(c.Masks, c.H, c.W);
        double n = c.H * c.W;
        for (int k = 0; k < paper.Length; k++)
        {
            Assert.Equal(official[k] * n / c.Masks[k].Area, paper[k], 12);
            if (c.Masks[k].Area < n) Assert.True(Math.Abs(paper[k]) >= Math.Abs(official[k]));
        }
        // A direct check: the mean of the base over mask 0's pixels.
        var b = PositionBaseMap.Compute(SpeVariant.RoPE, c.H, c.W);
        var px = c.Masks[0].ToRowMajor();
        double mean = Enumerable.Range(0, px.Length).Where(i => px[i]).Average(i => b[i]);
        Assert.Equal(mean, paper[0], 12);
    }

    [Fact]
    public void PaperMap_DiffersFromOfficial_OnMultiRegionCase()
    {
        var c = SpeReference.Get("rects_16x16");
        var paper = new SpeEncoder().Encode(c.Masks, c.H, c.W);
        var official = new SpeEncoder(SpeOptions.Official).Encode(c.Masks, c.H, c.W);
        Assert.Equal(SpeOptions.Paper, new SpeEncoder().Options);
        Assert.NotEqual(official.ToArray(), paper.ToArray());
        // rects: mask 0 has 70 of 256 pixels, so the paper value is 256/70 times the official one
        Assert.Equal(official[0, 0] * 256.0 / 70.0, paper[0, 0], 5);
    }

    [Fact]
    public void Overlap_LaterOverwrites_vs_HigherScoreWins_AndUncoveredIsZero()
    {
        var c = SpeReference.Get("overlap_uncovered_10x14");
        var official = new SpeEncoder(SpeOptions.Official);
        var values = official.RegionValues(c.Masks, c.H, c.W);
        var later = official.Encode(c.Masks, c.H, c.W);
        var byScore = new SpeEncoder(SpeOptions.Official with { Overlap = OverlapRule.HigherScoreWins })
            .Encode(c.Masks, c.H, c.W, new[] { 0.99, 0.90, 0.95 });
        int overlap01 = 0, uncovered = 0;
        for (int r = 0; r < c.H; r++)
            for (int col = 0; col < c.W; col++)
            {
                bool m0 = c.Masks[0][r, col], m1 = c.Masks[1][r, col], m2 = c.Masks[2][r, col];
                if (!m0 && !m1 && !m2) { uncovered++; Assert.Equal(0f, later[r, col]); Assert.Equal(0f, byScore[r, col]); }
                if (m0 && m1 && !m2)
                {
                    overlap01++;
                    Assert.Equal((float)values[1], later[r, col]);   // later mask 1 wins
                    Assert.Equal((float)values[0], byScore[r, col]); // score 0.99 beats 0.90
                }
            }
        Assert.True(overlap01 > 0 && uncovered > 0);
        Assert.Throws<ArgumentException>(() =>
            new SpeEncoder(new SpeOptions(Overlap: OverlapRule.HigherScoreWins)).Encode(c.Masks, c.H, c.W));
    }

    [Fact]
    public void Encode_LabelMapOverload_MatchesMaskList_AndRecords()
    {
        var c = SpeReference.Get("irregular_24x20");
        var enc = new SpeEncoder(SpeOptions.Official);
        var fromLabels = enc.Encode(c.Labels!);
        Assert.Equal(enc.Encode(c.Masks, c.H, c.W).ToArray(), fromLabels.ToArray());
        Assert.Equal(fromLabels.ToArray(), enc.Encode(c.Labels!.ToRecords(), c.H, c.W).ToArray());
        Assert.All(SpeEncoder_EmptyListIsZeros().ToArray(), v => Assert.Equal(0f, v));
    }

    private static SpeMap SpeEncoder_EmptyListIsZeros() => new SpeEncoder().Encode(Array.Empty<BinaryMask>(), 3, 5);

    [Fact]
    public void RopeBase_ClosedForm_AndOddWidthLastColumnUnrotated()
    {
        const int h = 6, w = 5;
        var b = PositionBaseMap.Compute(SpeVariant.RoPE, h, w);
        for (int col = 0; col < w; col++) Assert.Equal(1.0, b[col], 12); // row 0: θ = 0 -> cos ± sin = 1
        for (int p = 0; p < h; p++)
        {
            for (int k = 0; k < w / 2; k++)
            {
                double theta = p * Math.Pow(10000, -2.0 * k / w);
                Assert.Equal(Math.Cos(theta) - Math.Sin(theta), b[p * w + 2 * k], 12);
                Assert.Equal(Math.Cos(theta) + Math.Sin(theta), b[p * w + 2 * k + 1], 12);
            }
            Assert.Equal(1.0, b[p * w + w - 1], 12);
        }
        // p = 1, k = 0: θ = 1 rad
        Assert.Equal(Math.Cos(1) - Math.Sin(1), b[1 * w + 0], 12);
        Assert.Equal(-0.30116868, b[w], 7);
        Assert.All(b, v => Assert.InRange(v, -Math.Sqrt(2) - 1e-12, Math.Sqrt(2) + 1e-12));
    }

    [Fact]
    public void RopeTransposed_IsRopeOfTransposedImage()
    {
        const int h = 7, w = 10;
        var t = PositionBaseMap.Compute(SpeVariant.RoPETransposed, h, w);
        var r = PositionBaseMap.Compute(SpeVariant.RoPE, w, h); // W×H image: rows = our columns
        for (int i = 0; i < h; i++)
            for (int j = 0; j < w; j++)
                Assert.Equal(r[j * h + i], t[i * w + j], 15);
        // column 0 is position 0 -> all ones; odd H = 7 -> last row is 1
        for (int i = 0; i < h; i++) Assert.Equal(1.0, t[i * w], 12);
        for (int j = 0; j < w; j++) Assert.Equal(1.0, t[(h - 1) * w + j], 12);
    }

    [Fact]
    public void CosineAndLinearGrids_FollowDocumentedDefinitions()
    {
        const int h = 4, w = 6;
        var cos = PositionBaseMap.Compute(SpeVariant.CosineGrid, h, w);
        Assert.Equal(1.0, cos[0], 12);
        Assert.Equal(Math.Cos(Math.PI * 3 / 4) * Math.Cos(Math.PI * 5 / 6), cos[3 * w + 5], 12);
        Assert.Equal(0.0, cos[2 * w + 1], 12); // cos(π/2) = 0
        var lin = PositionBaseMap.Compute(SpeVariant.LinearGrid, h, w);
        Assert.Equal(0.0, lin[0]);
        Assert.Equal(1.0, lin[^1], 12);
        for (int i = 1; i < lin.Length; i++) Assert.True(lin[i] > lin[i - 1]);
        Assert.Equal(7.0 / 23.0, lin[1 * w + 1], 12);
        Assert.Equal(new[] { 0.0 }, PositionBaseMap.Compute(SpeVariant.LinearGrid, 1, 1));
    }

    [Fact]
    public void CosineAndLinearVariants_EncodeDistinctValuesPerSegment()
    {
        var c = SpeReference.Get("rects_16x16");
        foreach (var v in new[] { SpeVariant.CosineGrid, SpeVariant.LinearGrid, SpeVariant.RoPETransposed })
        {
            var values = new SpeEncoder(new SpeOptions(v)).RegionValues(c.Masks, c.H, c.W);
            Assert.Equal(values.Length, values.Distinct().Count());
        }
        // linear grid: the segment mean of a ramp is the ramp at the segment's mean raster index
        var lin = new SpeEncoder(new SpeOptions(SpeVariant.LinearGrid)).RegionValues(c.Masks, c.H, c.W);
        var px = c.Masks[0].ToRowMajor();
        double meanIndex = Enumerable.Range(0, px.Length).Where(i => px[i]).Average();
        Assert.Equal(meanIndex / 255.0, lin[0], 12);
    }
}
