using SamDiffSR.Cli;
using SamDiffSR.Masks;
using Xunit;
using SamDiffSR.Masks.Formats;
using SamDiffSR.Masks.Spe;

using SamDiffSR.Tests.Masks.Spe;
using static SamDiffSR.Tests.Cli.CliRunner;
namespace SamDiffSR.Tests.Masks;

public class MasksEncodeCommandTests
{
    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-6, $"[{i}] {expected[i]} vs {actual[i]}");
    }

    private static void WriteInputs(TempDir tmp)
    {
        var rects = SpeReference.Get("rects_16x16");
        AmgJson.Write(tmp.Sub("amg", "0001.json"), rects.Labels!.ToRecords());
        var overlap = SpeReference.Get("overlap_uncovered_10x14");
        AmgJson.Write(tmp.Sub("amg", "0002.json"), overlap.Masks.Select((m, i) => MaskRecord.FromMask(m, 0.9 + 0.03 * i)).ToArray());
        File.WriteAllText(tmp.Sub("amg", "0003.json"), "[]");
    }

    [Fact]
    public void OfficialMean_ReproducesReference_AndResumes()
    {
        using var tmp = new TempDir();
        WriteInputs(tmp);
        var (code, stdout, stderr) = Run("masks", "encode", "--amg", tmp.Sub("amg"), "--out", tmp.Sub("out"), "--recipe", "released");
        Assert.True(code == 0, stderr);
        Assert.Contains("wrote 2", stdout);
        Assert.Contains("1 without masks", stdout);
        Assert.Contains("3/3", stderr);          // final progress line
        Assert.Contains("0003.json has no masks", stderr);
        AssertClose(SpeReference.Get("rects_16x16").RopeOutput, NpyFile.Read(tmp.Sub("out", "0001.npy")).Values);
        AssertClose(SpeReference.Get("overlap_uncovered_10x14").RopeOutput, NpyFile.Read(tmp.Sub("out", "0002.npy")).Values);
        Assert.False(File.Exists(tmp.Sub("out", "0003.npy")));

        // resume: existing outputs are left alone
        var sentinel = new SpeMap(1, 1, new[] { 42f });
        NpyFile.Write(tmp.Sub("out", "0001.npy"), sentinel);
        (code, stdout, _) = Run("masks", "encode", "--amg", tmp.Sub("amg"), "--out", tmp.Sub("out"), "--recipe", "released");
        Assert.Equal(0, code);
        Assert.Contains("wrote 0, skipped 2", stdout);
        Assert.Equal(42f, NpyFile.Read(tmp.Sub("out", "0001.npy"))[0, 0]);
        // --force rewrites
        (code, _, _) = Run("masks", "encode", "--amg", tmp.Sub("amg"), "--out", tmp.Sub("out"), "--recipe", "released", "--force");
        Assert.Equal(0, code);
        AssertClose(SpeReference.Get("rects_16x16").RopeOutput, NpyFile.Read(tmp.Sub("out", "0001.npy")).Values);
        Assert.Empty(Directory.GetFiles(tmp.Sub("out"), "*.tmp"));
    }

    [Fact]
    public void Defaults_AreThePaperRecipesSpe_AndOptionsSelectVariants()
    {
        using var tmp = new TempDir();
        WriteInputs(tmp);
        var overlap = SpeReference.Get("overlap_uncovered_10x14");
        var scores = overlap.Masks.Select((_, i) => 0.9 + 0.03 * i).ToArray();

        Assert.Equal(0, Run("masks", "encode", "--amg", tmp.Sub("amg"), "--out", tmp.Sub("paper")).Code);
        var expected = new SpeEncoder(SamDiffSR.Training.TrainingRecipe.Paper.Spe).Encode(overlap.Masks, overlap.H, overlap.W);
        Assert.Equal(new SpeOptions(SpeVariant.RoPETransposed, SegmentValueRule.WholeImageDivisor), SamDiffSR.Training.TrainingRecipe.Paper.Spe);
        Assert.Equal(expected.ToArray(), NpyFile.Read(tmp.Sub("paper", "0002.npy")).ToArray());

        Assert.Equal(0, Run("masks", "encode", "--amg", tmp.Sub("amg"), "--out", tmp.Sub("cos"), "--variant", "cosine", "--overlap", "score").Code);
        var cos = new SpeEncoder(new SpeOptions(SpeVariant.CosineGrid, SegmentValueRule.WholeImageDivisor, OverlapRule.HigherScoreWins))
            .Encode(overlap.Masks, overlap.H, overlap.W, scores);
        Assert.Equal(cos.ToArray(), NpyFile.Read(tmp.Sub("cos", "0002.npy")).ToArray());
        Assert.NotEqual(expected.ToArray(), cos.ToArray());

        Assert.Equal(0, Run("masks", "encode", "--amg", tmp.Sub("amg"), "--out", tmp.Sub("rt"), "--variant", "rope-transposed", "--mean", "segment").Code);
        var rt = new SpeEncoder(new SpeOptions(SpeVariant.RoPETransposed)).Encode(overlap.Masks, overlap.H, overlap.W);
        Assert.Equal(rt.ToArray(), NpyFile.Read(tmp.Sub("rt", "0002.npy")).ToArray());
    }

    [Fact]
    public void BadArguments_AndMissingInput_GiveCleanErrors()
    {
        using var tmp = new TempDir();
        var (code, _, err) = Run("masks", "encode", "--amg", tmp.Path, "--out", tmp.Sub("o"), "--variant", "fourier");
        Assert.Equal(2, code);
        Assert.Contains("--variant must be one of", err);
        (code, _, err) = Run("masks", "encode", "--out", tmp.Sub("o"));
        Assert.Equal(2, code);
        Assert.Contains("--amg", err);
        (code, _, err) = Run("masks", "encode", "--amg", tmp.Sub("missing"), "--out", tmp.Sub("o"));
        Assert.Equal(1, code);
        Assert.Contains("amg.py", err);
        (code, _, err) = Run("masks", "encode", "--amg", tmp.Path, "--out", tmp.Sub("o"), "--bogus", "1");
        Assert.Equal(2, code);
        Assert.Contains("--bogus", err);
    }
}
