using System.Diagnostics;
using System.Text.Json;
using SamDiffSR.Training;
using Xunit;

namespace SamDiffSR.Tests.Cli;

/// <summary>
/// A training process killed with SIGKILL and resumed with --resume gives exactly the losses of an uninterrupted
/// run (CPU, 1 thread): checkpoints are atomic and every random draw of step k is seeded by (seed, k).
/// </summary>
public class TrainKillResumeTests
{
    private static readonly string Cli = Path.Combine(AppContext.BaseDirectory, "samdiffsr.dll");

    private static string[] TrainArgs(string hr, string run, int steps) =>
    [
        "train", "--stage", "diffusion", "--method", "srdiff", "--hr", hr, "--out", run, "--preset", "tiny",
        "--steps", steps.ToString(), "--batch", "2", "--patch", "32", "--checkpoint-every", "5", "--keep", "2",
        "--threads", "1", "--seed", "11", "--lr", "1e-3", "--no-verify",
    ];

    private static Process Start(IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Cli);
        foreach (var a in args) psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    private static void RunToEnd(IEnumerable<string> args)
    {
        using var p = Start(args);
        Assert.True(p.WaitForExit(300_000), "training process timed out");
        Assert.Equal(0, p.ExitCode);
    }

    private static long LatestStep(string run)
    {
        var latest = Path.Combine(run, "checkpoints", "latest.json");
        if (!File.Exists(latest)) return 0;
        try { using var d = JsonDocument.Parse(File.ReadAllText(latest)); return d.RootElement.GetProperty("step").GetInt64(); }
        catch (Exception e) when (e is IOException or JsonException) { return 0; }
    }

    [Fact]
    public void SigkilledRun_ResumesToTheSameLosses()
    {
        Assert.True(File.Exists(Cli), $"{Cli} not found next to the tests");
        var root = Directory.CreateTempSubdirectory("killresume").FullName;
        try
        {
            // A small HR set: 4 T91 images.
            var hr = Path.Combine(root, "hr");
            Directory.CreateDirectory(hr);
            foreach (var f in Directory.GetFiles(TestPaths.Data("train", "T91"), "t1*.png").Order().Take(4))
                File.Copy(f, Path.Combine(hr, Path.GetFileName(f)));
            const int steps = 60;

            var straight = Path.Combine(root, "straight");
            RunToEnd(TrainArgs(hr, straight, steps));

            var killed = Path.Combine(root, "killed");
            using (var p = Start(TrainArgs(hr, killed, steps)))
            {
                var clock = Stopwatch.StartNew();
                while (LatestStep(killed) < 10 && !p.HasExited && clock.Elapsed < TimeSpan.FromMinutes(4)) Thread.Sleep(10);
                Assert.False(p.HasExited, "the run finished before it could be killed; raise the step count");
                p.Kill(entireProcessTree: true); // SIGKILL
                p.WaitForExit();
            }
            long at = LatestStep(killed);
            Assert.InRange(at, 10, steps - 1);
            RunToEnd([.. TrainArgs(hr, killed, steps), "--resume"]);

            var (_, a) = CsvLog.Read(Path.Combine(straight, "log.csv"));
            var (_, b) = CsvLog.Read(Path.Combine(killed, "log.csv"));
            Assert.Equal(steps, a.Count);
            Assert.Equal(a.Select(r => r[0]), b.Select(r => r[0]));       // every step logged once
            Assert.Equal(a.Select(r => r[1]), b.Select(r => r[1]));       // bitwise-identical losses
            Assert.Equal(File.ReadAllBytes(Path.Combine(straight, "checkpoints", "step_00000060", "model.pt")).Length,
                         File.ReadAllBytes(Path.Combine(killed, "checkpoints", "step_00000060", "model.pt")).Length);
        }
        finally { Directory.Delete(root, true); }
    }
}
