using SamDiffSR.Cli;

namespace SamDiffSR.Tests.Cli;

/// <summary>Runs the CLI in-process, non-interactive, and captures both streams (every CLI test uses this).</summary>
public static class CliRunner
{
    /// <summary>Runs <c>samdiffsr args…</c>; returns the exit code, standard output and standard error.</summary>
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter(); var e = new StringWriter();
        int code = CliApp.Run(args, o, e, interactive: false);
        return (code, o.ToString(), e.ToString());
    }
}
