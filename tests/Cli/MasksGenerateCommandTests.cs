using SamDiffSR.Cli;
using SamDiffSR.Masks;
using Xunit;
using SamDiffSR.Masks.Formats;
using SamDiffSR.Masks.Spe;
using static SamDiffSR.Tests.Cli.CliRunner;

namespace SamDiffSR.Tests.Cli;

/// <summary><c>samdiffsr masks generate</c> with the embedded segmenter: outputs, resumability, LR mode, errors.</summary>
public class MasksGenerateCommandTests
{
    [Fact]
    public void Generate_WritesJsonAndSpe_ResumesAndSupportsLrMode()
    {
        var root = Directory.CreateTempSubdirectory("masksgen").FullName;
        try
        {
            var imgs = Path.Combine(root, "img");
            Directory.CreateDirectory(imgs);
            foreach (var n in new[] { "bird.png", "woman.png" })
                File.Copy(TestPaths.Data("benchmarks", "Set5", n), Path.Combine(imgs, n));
            var outHr = Path.Combine(root, "hr");
            var r = Run("masks", "generate", "--images", imgs, "--out", outHr);
            Assert.True(r.Code == 0, r.Err);
            Assert.Contains("2 images segmented", r.Out);
            // JSON and SPE exist and agree: the map is the SPE encoding of the JSON's masks (paper options).
            var records = AmgJson.Read(Path.Combine(outHr, "bird.json"));
            Assert.True(records.Count > 5);
            var map = NpyFile.Read(Path.Combine(outHr, "bird.npy"));
            Assert.Equal((288, 288), (map.Height, map.Width));
            var expected = new SpeEncoder(SamDiffSR.Training.TrainingRecipe.Paper.Spe).Encode(records, 288, 288);   // the default recipe's SPE
            Assert.Equal(expected.Values.ToArray(), map.Values.ToArray());
            // Resumable: a second run skips both images.
            var again = Run("masks", "generate", "--images", imgs, "--out", outHr);
            Assert.Contains("2 already done", again.Out);
            // LR mode: woman is 228x344 -> modcropped to x4 (228x344) and segmented after x4 down/up.
            var outLr = Path.Combine(root, "lr");
            Assert.Equal(0, Run("masks", "generate", "--images", imgs, "--out", outLr, "--from", "lr", "--scale", "4", "--encode", "none").Code);
            Assert.True(File.Exists(Path.Combine(outLr, "woman.json")));
            Assert.False(File.Exists(Path.Combine(outLr, "woman.npy")));
            Assert.NotEqual(AmgJson.Read(Path.Combine(outHr, "bird.json")).Count, AmgJson.Read(Path.Combine(outLr, "bird.json")).Count);
        }
        finally { Directory.Delete(root, true); }
    }

    [Fact]
    public void Errors_AreOneClearLine()
    {
        // A fresh output folder: the temp root itself may hold the repository (a CI clone under /tmp), which the path
        // guard would rightly refuse before the option checks this test is about.
        var outDir = Path.Combine(Path.GetTempPath(), "samdiffsr-mg-" + Guid.NewGuid().ToString("N"));
        var missing = Run("masks", "generate", "--images", "/nonexistent/folder", "--out", outDir);
        Assert.Equal(1, missing.Code);
        Assert.Contains("/nonexistent/folder", missing.Err);
        var sam = Run("masks", "generate", "--images", TestPaths.Data("benchmarks", "Set5"), "--out", outDir, "--segmenter", "sam");
        Assert.Equal(2, sam.Code);
        Assert.Contains("--model", sam.Err);
        var badModel = Run("masks", "generate", "--images", TestPaths.Data("benchmarks", "Set5"), "--out", outDir, "--segmenter", "sam", "--model", "/nonexistent/sam.json");
        if (Directory.Exists(outDir)) Directory.Delete(outDir, true);
        Assert.Equal(1, badModel.Code);
        Assert.Contains("sam.json", badModel.Err);
    }
}
