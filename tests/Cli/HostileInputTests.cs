using System.Security.Cryptography;
using SamDiffSR.Data;
using SamDiffSR.Masks.Formats;
using SamDiffSR.Runtime;
using SamDiffSR.Tests.Masks;
using SamDiffSR.Training;
using Xunit;
using static SamDiffSR.Tests.Cli.CliRunner;
using static SamDiffSR.Tests.Training.TrainingTestData;

namespace SamDiffSR.Tests.Cli;

/// <summary>
/// Issue 15, through the CLI as a user meets it: every case the tester found (and those of docs/hostile-inputs.md)
/// gives a non-zero exit code, one error line naming the file or option, and leaves the user's files untouched.
/// </summary>
public class HostileInputTests
{
    public HostileInputTests() => TorchRuntime.Initialize(threads: 1);

    /// <summary>A folder of small textured PNGs.</summary>
    private static string HrFolder(TempDir t, string name = "hr", int count = 3, int size = 40)
    {
        var dir = t.Sub(name);
        Directory.CreateDirectory(dir);
        for (int i = 0; i < count; i++) ImageIO.SavePng(Textured(size, size + 4 * i, 20 + i), Path.Combine(dir, $"img{i}.png"));
        return dir;
    }

    private static Dictionary<string, string> Hashes(string dir) =>
        Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(dir, f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

    /// <summary>Exit code 1 or 2, the error on one line (usage text may follow a usage error), containing every fragment.</summary>
    private static void AssertRefused((int Code, string Out, string Err) r, params string[] fragments)
    {
        Assert.True(r.Code is 1 or 2, $"expected a refusal, got rc {r.Code}: {r.Out} {r.Err}");
        // The error line is the one the CLI prefixes with "samdiffsr <command>:" (train logs a device line before it).
        var first = r.Err.Split('\n').FirstOrDefault(l => l.StartsWith("samdiffsr ", StringComparison.Ordinal)) ?? r.Err;
        Assert.DoesNotContain("   at ", r.Err);   // no stack trace
        foreach (var f in fragments) Assert.Contains(f, first);
    }

    [Fact]
    public void Degrade_OutIsTheHrFolderByAnySpelling_IsRefused_AndTheHrImagesStayIntact()
    {
        using var t = new TempDir();
        var hr = HrFolder(t);
        var before = Hashes(hr);
        var link = t.Sub("hrlink");
        Directory.CreateSymbolicLink(link, hr);
        foreach (var o in new[] { hr + "/", Path.Combine(t.Path, ".", "hr"), Path.Combine(hr, "..", "hr"), link, Path.Combine(hr, "lr"), t.Path })
            AssertRefused(Run("degrade", "--hr", hr, "--scale", "4", "--out", o), "--out");
        Assert.Equal(before, Hashes(hr));
        Assert.False(Directory.Exists(Path.Combine(hr, "lr")));
    }

    [Fact]
    public void EvalAndSample_OutIsAnInput_IsRefused_BeforeAnythingLoads()
    {
        using var t = new TempDir();
        var hr = HrFolder(t);
        var before = Hashes(hr);
        // The checkpoint need not exist: the path check comes first, and nothing is written.
        AssertRefused(Run("eval", "--checkpoint", t.Sub("run"), "--hr", hr, "--out", hr + "/"), "--out", "--hr");
        AssertRefused(Run("sample", "--checkpoint", t.Sub("run"), "--input", hr, "--out", Path.Combine(hr, ".")), "--out", "--input");
        AssertRefused(Run("sample", "--checkpoint", t.Sub("run"), "--input", Path.Combine(hr, "img0.png"), "--out", hr), "--input", "--out");
        Directory.CreateDirectory(t.Sub("run"));
        AssertRefused(Run("eval", "--checkpoint", t.Sub("run"), "--hr", hr, "--out", Path.Combine(t.Sub("run"), "sr")), "--checkpoint");
        AssertRefused(Run("masks", "generate", "--images", hr, "--out", hr), "--images");
        AssertRefused(Run("train", "--stage", "rrdb", "--hr", hr, "--out", Path.Combine(hr, "run"), "--preset", "tiny"), "--hr");
        Assert.Equal(before, Hashes(hr));
    }

    [Fact]
    public void OutThatIsAFile_OrUnderAFile_IsOneLine()
    {
        using var t = new TempDir();
        var hr = HrFolder(t);
        var f = t.Sub("notes.txt");
        File.WriteAllText(f, "mine");
        AssertRefused(Run("degrade", "--hr", hr, "--scale", "4", "--out", f), "is a file");
        AssertRefused(Run("degrade", "--hr", hr, "--scale", "4", "--out", Path.Combine(f, "lr")), "lies under the file");
        Assert.Equal("mine", File.ReadAllText(f));
    }

    [Fact]
    public void TruncatedPng_IsRefusedByBicubic_NotScoredWithBlackRows()
    {
        using var t = new TempDir();
        var hr = HrFolder(t, count: 2, size: 64);
        var victim = Path.Combine(hr, "img1.png");
        var bytes = File.ReadAllBytes(victim);
        File.WriteAllBytes(victim, bytes[..(bytes.Length * 3 / 4)]);
        AssertRefused(Run("bicubic", "--hr", hr, "--scale", "4"), "img1.png", "damaged");
    }

    [Fact]
    public void ZeroByteImageAmongGoodOnes_FailsBeforeAnyOutputIsWritten()
    {
        using var t = new TempDir();
        var hr = HrFolder(t, count: 3);
        File.WriteAllBytes(Path.Combine(hr, "zz.png"), []);
        var lr = t.Sub("lr");
        AssertRefused(Run("degrade", "--hr", hr, "--scale", "4", "--out", lr), "zz.png");
        Assert.False(Directory.Exists(lr) && Directory.EnumerateFileSystemEntries(lr).Any(), "degrade wrote outputs before failing");
        var masks = t.Sub("masks");
        AssertRefused(Run("masks", "generate", "--images", hr, "--out", masks), "zz.png");
        Assert.False(Directory.Exists(masks) && Directory.EnumerateFileSystemEntries(masks).Any());
    }

    [Fact]
    public void OptionParsing_MissingValues_Duplicates_NegativeAndInapplicableOptions_NameTheOption()
    {
        using var t = new TempDir();
        var hr = HrFolder(t, count: 1);
        AssertRefused(Run("degrade", "--hr", hr, "--out", t.Sub("lr"), "--scale"), "--scale needs a value");
        AssertRefused(Run("degrade", "--hr", hr, "--scale", "--out", t.Sub("lr")), "--scale needs a value");
        AssertRefused(Run("degrade", "--hr", hr, "--scale", "-1", "--out", t.Sub("lr")), "--scale must be", "-1");
        AssertRefused(Run("degrade", "--hr", hr, "--scale", "4", "--scale", "3", "--out", t.Sub("lr")), "--scale is given twice");
        AssertRefused(Run("eval", "--checkpoint", t.Sub("run"), "--hr", hr, "--steps", "5"), "--steps applies only to --sampler ddim");
        AssertRefused(Run("sample", "--checkpoint", t.Sub("run"), "--input", hr, "--out", t.Sub("sr"), "--eta", "0.5"), "--eta applies only");
        AssertRefused(Run("masks", "generate", "--images", hr, "--out", t.Sub("m"), "--model", "sam.json"), "--model applies only to --segmenter sam");
        AssertRefused(Run("eval", "--checkpoint", t.Sub("run"), "--hr", hr, "--max-images", "0"), "--max-images must be >= 1");
        AssertRefused(Run("bicubic", "--hr", hr, "--scale", "4", "--json", "yes please"), "--json is a switch");
        AssertRefused(Run("bicubic", "--hr", hr, "--scale", "4", "stray"), "unexpected argument", "stray");
        AssertRefused(Run("train", "--stage", "diffusion", "--method", "srdiff", "--hr", hr, "--out", t.Sub("r"), "--masks", t.Sub("m")), "--masks applies only");
        AssertRefused(Run("train", "--stage", "rrdb", "--hr", hr, "--out", t.Sub("r"), "--rrdb", t.Path), "--rrdb applies only");
        AssertRefused(Run("train", "--stage", "rrdb", "--hr", hr, "--out", t.Sub("r"), "--lr", "nan"), "--lr must be a finite number");
        AssertRefused(Run("train", "--stage", "rrdb", "--hr", hr, "--out", t.Sub("r"), "--lr", "-1"), "--lr must be > 0");
        AssertRefused(Run("train", "--stage", "rrdb", "--hr", hr, "--out", t.Sub("r"), "--lr-gamma", "0.1"), "--lr-gamma applies only");
        Assert.False(Directory.Exists(t.Sub("r")));
    }

    [Fact]
    public void OversizedImage_NamesTheCliOption_AndEveryReaderHasIt()
    {
        using var t = new TempDir();
        var hr = HrFolder(t, count: 1);
        var r = Run("bicubic", "--hr", hr, "--scale", "4", "--max-pixels", "100");
        AssertRefused(r, "--max-pixels");
        Assert.DoesNotContain("ImageLoadOptions.MaxPixels", r.Err);
        AssertRefused(Run("degrade", "--hr", hr, "--scale", "4", "--out", t.Sub("lr"), "--max-pixels", "100"), "--max-pixels");
        AssertRefused(Run("masks", "generate", "--images", hr, "--out", t.Sub("m"), "--max-pixels", "100"), "--max-pixels");
        AssertRefused(Run("eval", "--checkpoint", t.Sub("run"), "--hr", hr, "--max-pixels", "100"), "--max-pixels");
        AssertRefused(Run("sample", "--checkpoint", t.Sub("run"), "--input", hr, "--out", t.Sub("sr"), "--max-pixels", "100"), "--max-pixels");
        AssertRefused(Run("train", "--stage", "rrdb", "--hr", hr, "--out", t.Sub("r"), "--preset", "tiny", "--patch", "16", "--threads", "1", "--max-pixels", "100"), "--max-pixels");
        AssertRefused(Run("bicubic", "--hr", hr, "--scale", "4", "--max-pixels", "0"), "--max-pixels must be >= 1");
        Assert.Equal(0, Run("bicubic", "--hr", hr, "--scale", "4").Code);   // the limit was for that call only
        Assert.Equal(0, Run("bicubic", "--hr", hr, "--scale", "4", "--max-pixels", "1e9").Code);   // exponent form accepted
        AssertRefused(Run("bicubic", "--hr", hr, "--scale", "4", "--max-pixels", "1.5"), "--max-pixels expects a whole number");
    }

    [Fact]
    public void EvalAndSample_WithAStageOneRrdbRun_AreRefused()
    {
        using var t = new TempDir();
        var run = t.Sub("rrdb");
        SrTrainer.Run(TinyConfig(TrainingStage.Rrdb, steps: 1, checkpointEvery: 1), TexturedDataset(count: 2), run);
        var hr = HrFolder(t, count: 1);
        AssertRefused(Run("eval", "--checkpoint", run, "--hr", hr, "--scale", "4", "--threads", "1"), "stage-1 RRDB", "untrained");
        AssertRefused(Run("sample", "--checkpoint", run, "--input", hr, "--out", t.Sub("sr"), "--threads", "1"), "stage-1 RRDB");
        Assert.False(Directory.Exists(t.Sub("sr")));
    }

    [Fact]
    public void Train_ResumeWithFewerStepsThanDone_IsAnError_AndEqualStepsSayNothingToDo()
    {
        using var t = new TempDir();
        var hr = HrFolder(t, count: 2, size: 48);
        var run = t.Sub("run");
        string[] Args(string steps, bool resume) => [
            "train", "--stage", "diffusion", "--method", "srdiff", "--hr", hr, "--out", run, "--preset", "tiny", "--steps", steps,
            "--batch", "1", "--patch", "32", "--threads", "1", "--no-verify", .. (resume ? new[] { "--resume" } : [])];
        Assert.Equal(0, Run(Args("2", false)).Code);
        var cfg = File.ReadAllText(Path.Combine(run, SrTrainer.RunConfigFile));
        AssertRefused(Run(Args("1", true)), "already at step 2", "--steps");
        Assert.Equal(cfg, File.ReadAllText(Path.Combine(run, SrTrainer.RunConfigFile)));   // the run's config was not rewritten
        var same = Run(Args("2", true));
        Assert.Equal(0, same.Code);
        Assert.Contains("nothing to train", same.Out);
        Assert.DoesNotContain("NaN", same.Out);
    }

    [Fact]
    public void Train_NonFiniteSpeMap_IsRefusedOnLoad_NamingTheFile_AndLeavesNoRunFolder()
    {
        using var t = new TempDir();
        var hr = HrFolder(t, count: 2, size: 48);
        var masks = t.Sub("masks");
        Directory.CreateDirectory(masks);
        for (int i = 0; i < 2; i++)
        {
            var map = PositionMap(48, 48 + 4 * i);
            var values = map.ToArray();
            if (i == 1) values[5] = float.NaN;
            NpyFile.Write(Path.Combine(masks, $"img{i}.npy"), new SamDiffSR.Masks.SpeMap(48, 48 + 4 * i, values));
        }
        var run = t.Sub("run");
        AssertRefused(Run("train", "--hr", hr, "--masks", masks, "--out", run, "--preset", "tiny", "--steps", "1", "--batch", "1", "--patch", "32", "--threads", "1", "--no-verify"),
            "img1.npy", "NaN");
        Assert.False(Directory.Exists(run));
    }

    /// <summary>The bad inputs found by trying the CLI as a new user (docs/hostile-inputs.md, second table).</summary>
    [Fact]
    public void NewUserFindings_AreOneLineErrors_NamingTheOptionOrFile()
    {
        using var t = new TempDir();
        var hr = HrFolder(t, count: 2);
        AssertRefused(Run("train", "--stage", "rrdb", "--hr", "", "--out", t.Sub("r")), "--hr needs a value");
        AssertRefused(Run("train", "--stage", "rrdb", "--hr", hr, "--out", t.Sub("r"), "--ema", "1.5"), "--ema");
        AssertRefused(Run("train", "--stage", "rrdb", "--hr", hr, "--out", t.Sub("r"), "--patch", "30"), "--patch");
        AssertRefused(Run("eval", "--checkpoint", t.Sub("run"), "--hr", hr, "--tile", "-5"), "--tile must be >= 0");
        AssertRefused(Run("sample", "--checkpoint", t.Sub("run"), "--input", hr, "--out", t.Sub("sr"), "--overlap", "4"), "--overlap applies only");
        AssertRefused(Run("bicubic", "--hr", Path.Combine(hr, "img0.png"), "--scale", "4"), "is a file, not a folder");
        // Two inputs with one stem would overwrite each other's output.
        var twin = t.Sub("twin");
        Directory.CreateDirectory(twin);
        File.Copy(Path.Combine(hr, "img0.png"), Path.Combine(twin, "a.png"));
        using (var img = SixLabors.ImageSharp.Image.LoadPixelData<SixLabors.ImageSharp.PixelFormats.Rgb24>(Textured(40, 40, 3).Data, 40, 40))
            SixLabors.ImageSharp.ImageExtensions.SaveAsBmp(img, Path.Combine(twin, "a.bmp"));
        AssertRefused(Run("degrade", "--hr", twin, "--scale", "4", "--out", t.Sub("lr")), "a.bmp and a.png", "a.png");
        Assert.False(Directory.Exists(t.Sub("lr")));
        // Images too small to measure are named before any model work.
        var tiny = t.Sub("tiny");
        Directory.CreateDirectory(tiny);
        ImageIO.SavePng(Textured(12, 12, 1), Path.Combine(tiny, "t.png"));
        AssertRefused(Run("bicubic", "--hr", tiny, "--scale", "4"), "t.png", "too small");
    }

    [Fact]
    public void BenchOut_ThatCannotTakeTheReport_IsRefusedBeforeMeasuring()
    {
        using var t = new TempDir();
        var cfg = t.Sub("config.json");
        File.WriteAllText(cfg, "{\"hidden_size\": 8}");
        AssertRefused(Run("bench", "train", "--preset", "tiny", "--runs", "1", "--warmup", "0", "--out", cfg), "not an array");
        Assert.Equal("{\"hidden_size\": 8}", File.ReadAllText(cfg));
        AssertRefused(Run("bench", "train", "--preset", "tiny", "--runs", "1", "--warmup", "0", "--out", t.Path), "is a folder");
    }

    [Fact]
    public void Train_ResumeWithOtherOptions_NamesTheDifferingSetting()
    {
        using var t = new TempDir();
        var hr = HrFolder(t, count: 2, size: 64);
        var run = t.Sub("run");
        string[] Args(string patch, bool resume) => [
            "train", "--stage", "rrdb", "--hr", hr, "--out", run, "--preset", "tiny", "--steps", "1", "--batch", "1", "--patch", patch,
            "--threads", "1", "--no-verify", .. (resume ? new[] { "--resume" } : [])];
        Assert.Equal(0, Run(Args("32", false)).Code);
        AssertRefused(Run(Args("64", true)), "HrPatch: 32 → 64");
    }

    /// <summary>A bind mount of the HR folder (same inode, another path): needs root to mount; skipped (returns) otherwise.</summary>
    [Fact]
    public void Degrade_OutIsABindMountOfTheHrFolder_IsRefused()
    {
        using var t = new TempDir();
        var hr = HrFolder(t, count: 1);
        var bind = t.Sub("bind");
        Directory.CreateDirectory(bind);
        if (!Mount("--bind", hr, bind)) return;   // not root / no mount namespace: nothing to test here
        try
        {
            var before = Hashes(hr);
            AssertRefused(Run("degrade", "--hr", hr, "--scale", "4", "--out", bind), "same folder as --hr");
            AssertRefused(Run("degrade", "--hr", hr, "--scale", "4", "--out", Path.Combine(bind, "lr")), "lies inside --hr");
            Assert.Equal(before, Hashes(hr));
        }
        finally { Mount(null, bind, null); }
    }

    private static bool Mount(string? flag, string a, string? b)
    {
        try
        {
            var psi = new System.Diagnostics.ProcessStartInfo(flag is null ? "umount" : "mount") { RedirectStandardError = true, RedirectStandardOutput = true };
            if (flag != null) psi.ArgumentList.Add(flag);
            psi.ArgumentList.Add(a);
            if (b != null) psi.ArgumentList.Add(b);
            using var p = System.Diagnostics.Process.Start(psi)!;
            p.WaitForExit(10_000);
            return p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception) { return false; }
    }
}
