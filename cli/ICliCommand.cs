namespace SamDiffSR.Cli;

/// <summary>
/// One CLI command. Commands are discovered by reflection (every non-abstract type implementing this
/// interface with a public parameterless constructor), so each lives in its own file under cli/Commands.
/// </summary>
public interface ICliCommand
{
    /// <summary>Command words, e.g. "bicubic" or "masks encode".</summary>
    string Name { get; }

    /// <summary>One-line summary for the help listing.</summary>
    string Summary { get; }

    /// <summary>Usage text printed by <c>samdiffsr NAME --help</c>.</summary>
    string Usage { get; }

    /// <summary>Runs the command; returns the process exit code.</summary>
    int Run(CliArgs args, CliContext ctx);
}

/// <summary>Where a command writes: stdout for results, stderr for progress and errors.</summary>
public sealed class CliContext(TextWriter stdout, TextWriter stderr, bool interactive)
{
    public TextWriter Out { get; } = stdout;
    public TextWriter Err { get; } = stderr;
    /// <summary>True when stderr is a terminal (progress bars redraw in place); false in tests and pipes.</summary>
    public bool Interactive { get; } = interactive;
}
