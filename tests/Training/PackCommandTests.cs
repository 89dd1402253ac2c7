using System.Diagnostics;
using SamDiffSR.Cli;
using SamDiffSR.Data;
using SamDiffSR.Tests.Masks;
using SamDiffSR.Training;
using Xunit;

namespace SamDiffSR.Tests.Training;

/// <summary>
/// <c>samdiffsr pack</c> and <c>train</c>'s use of packs through the CLI: build, reuse, check, one-line errors for a
/// corrupt pack, and a training run through the default cached pack giving the --in-memory losses bit for bit.
/// </summary>
public class PackCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter(); var e = new StringWriter();
        int code = CliApp.Run(args, o, e, interactive: false);
        return (code, o.ToString(), e.ToString());
    }

    [Fact]
    public void Pack_BuildsReusesChecks_AndReportsACorruptPackInOneLine()
    {
        using var dir = new TempDir();
        var (hr, masks) = TrainingPackFixture.Create(dir);
        var pack = dir.Sub("set.srpack");
        var r = Run("pack", "--hr", hr, "--masks", masks, "--out", pack);
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("5 images x4", r.Out);
        Assert.Contains("5 with SPE maps", r.Out);
        Assert.Contains("checksums OK", r.Out);
        r = Run("pack", "--hr", hr, "--masks", masks, "--out", pack);
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("up to date", r.Err);
        r = Run("pack", "--hr", hr, "--out", pack); // other options (no masks): refused, the file is kept
        Assert.Equal(1, r.Code);
        Assert.Contains("--force", r.Err);
        Assert.Contains(pack, r.Err);
        Assert.True(Run("pack", "--check", "--out", pack).Code == 0);

        using (var fs = new FileStream(pack, FileMode.Open)) { fs.Position = 100; int v = fs.ReadByte(); fs.Position = 100; fs.WriteByte((byte)(v ^ 1)); }
        r = Run("pack", "--check", "--out", pack);
        Assert.Equal(1, r.Code);
        var lines = r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("verify pack")).ToList();
        Assert.Single(lines);
        Assert.Contains(pack, lines[0]);
        Assert.Contains("a.png", lines[0]);
    }

    [Fact]
    public void SigkilledPackBuild_Resumes_ToTheSamePack()
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "samdiffsr.dll");
        Assert.True(File.Exists(cli), $"{cli} not found next to the tests");
        using var dir = new TempDir();
        var hr = dir.Sub("hr");
        Directory.CreateDirectory(hr);
        for (int i = 0; i < 16; i++) ImageIO.SavePng(TrainingTestData.Textured(480, 520, i), Path.Combine(hr, $"{i:D2}.png"));
        Assert.Equal(0, Run("pack", "--hr", hr, "--out", dir.Sub("straight.srpack")).Code);

        var target = dir.Sub("killed.srpack");
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { cli, "pack", "--hr", hr, "--out", target }) psi.ArgumentList.Add(arg);
        using (var p = Process.Start(psi)!)
        {
            p.OutputDataReceived += (_, _) => { }; p.ErrorDataReceived += (_, _) => { };
            p.BeginOutputReadLine(); p.BeginErrorReadLine();
            var journal = target + ".partial.journal";
            var clock = Stopwatch.StartNew();
            while (!p.HasExited && clock.Elapsed < TimeSpan.FromMinutes(4))
            {
                try { if (File.Exists(journal) && File.ReadAllLines(journal).Length >= 4) break; } catch (IOException) { }
                Thread.Sleep(5);
            }
            Assert.False(p.HasExited, "the build finished before it could be killed; use more images");
            p.Kill(entireProcessTree: true); // SIGKILL
            p.WaitForExit();
        }
        Assert.False(File.Exists(target));
        var r = Run("pack", "--hr", hr, "--out", target);
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("resuming", r.Err);
        Assert.Contains("checksums OK", r.Out);
        var a = SamDiffSR.Training.Packs.TrainingPack.ReadIndex(dir.Sub("straight.srpack"));
        var b = SamDiffSR.Training.Packs.TrainingPack.ReadIndex(target);
        Assert.Equal(a.Images, b.Images); // same records, offsets and checksums
    }

    [Fact]
    public void Train_ThroughTheCachedPack_MatchesInMemory_Bitwise()
    {
        using var dir = new TempDir();
        var hr = dir.Sub("hr");
        Directory.CreateDirectory(hr);
        foreach (var f in Directory.GetFiles(TestPaths.Data("train", "T91"), "t2*.png").Order(StringComparer.Ordinal).Take(3))
            File.Copy(f, Path.Combine(hr, Path.GetFileName(f)));
        string[] Args(string run, int steps = 4) => ["train", "--method", "srdiff", "--hr", hr, "--out", run, "--preset", "tiny", "--steps", $"{steps}", "--batch", "2",
                                      "--patch", "32", "--checkpoint-every", "4", "--threads", "1", "--seed", "3", "--lr", "1e-3", "--flips", "--rotations"];
        var a = Run([.. Args(dir.Sub("mem")), "--in-memory"]);
        Assert.True(a.Code == 0, a.Err);
        var b = Run([.. Args(dir.Sub("pack")), "--loader-workers", "2"]);
        Assert.True(b.Code == 0, b.Err);
        Assert.Single(Directory.GetFiles(Path.Combine(dir.Sub("pack"), "data-pack"), "*.srpack"));
        var la = CsvLog.Read(Path.Combine(dir.Sub("mem"), "log.csv")).Rows.Select(r => r[1]);
        var lb = CsvLog.Read(Path.Combine(dir.Sub("pack"), "log.csv")).Rows.Select(r => r[1]);
        Assert.Equal(la, lb);
        // A pack built on its own, then 'train --pack' without --hr.
        Assert.Equal(0, Run("pack", "--hr", hr, "--out", dir.Sub("own.srpack")).Code);
        var own = Args(dir.Sub("own")).ToList();
        own.RemoveRange(own.IndexOf("--hr"), 2);
        var d = Run([.. own, "--pack", dir.Sub("own.srpack")]);
        Assert.True(d.Code == 0, d.Err);
        Assert.Equal(la, CsvLog.Read(Path.Combine(dir.Sub("own"), "log.csv")).Rows.Select(r => r[1]));
        var c = Run([.. Args(dir.Sub("pack"), steps: 6), "--resume"]); // resume reuses the cached pack
        Assert.True(c.Code == 0, c.Err);
        Assert.Contains("up to date", c.Err);
    }
}
