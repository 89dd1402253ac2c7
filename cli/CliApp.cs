using System.Reflection;

namespace SamDiffSR.Cli;

/// <summary>Dispatches <c>samdiffsr &lt;command words&gt; [options]</c> to the matching <see cref="ICliCommand"/>.</summary>
public static class CliApp
{
    public static IReadOnlyList<ICliCommand> Commands { get; } = typeof(CliApp).Assembly.GetTypes()
        .Where(t => typeof(ICliCommand).IsAssignableFrom(t) && !t.IsAbstract && !t.IsInterface && t.GetConstructor(Type.EmptyTypes) != null)
        .Select(t => (ICliCommand)Activator.CreateInstance(t)!)
        .OrderBy(c => c.Name, StringComparer.Ordinal)
        .ToList();

    public static int Run(string[] args, TextWriter? stdout = null, TextWriter? stderr = null, bool? interactive = null)
    {
        var ctx = new CliContext(stdout ?? Console.Out, stderr ?? Console.Error, interactive ?? !Console.IsErrorRedirected);
        if (args.Length == 0 || args[0] is "--help" or "-h" or "help")
        {
            PrintHelp(ctx.Out);
            return args.Length == 0 ? 2 : 0;
        }
        // Longest match on command words ("masks encode" before "masks").
        ICliCommand? cmd = null; int used = 0;
        foreach (var c in Commands)
        {
            var words = c.Name.Split(' ');
            if (words.Length <= args.Length && words.Length > used && words.Select((w, i) => w == args[i]).All(b => b))
            { cmd = c; used = words.Length; }
        }
        if (cmd is null)
        {
            ctx.Err.WriteLine($"samdiffsr: unknown command '{string.Join(' ', args.TakeWhile(a => !a.StartsWith('-')))}'. Run 'samdiffsr --help' for the list.");
            return 2;
        }
        var rest = args.Skip(used).ToArray();
        if (rest.Contains("--help") || rest.Contains("-h")) { ctx.Out.WriteLine(cmd.Usage); return 0; }
        try
        {
            return cmd.Run(new CliArgs(rest), ctx);
        }
        catch (CliUsageException ex)
        {
            ctx.Err.WriteLine($"samdiffsr {cmd.Name}: {ex.Message}");
            ctx.Err.WriteLine(cmd.Usage);
            return 2;
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or ArgumentException or InvalidOperationException
                                       or UnauthorizedAccessException or NotSupportedException or FormatException)
        {
            // Bad input: one clear line naming the file and the fix, non-zero exit.
            ctx.Err.WriteLine($"samdiffsr {cmd.Name}: error: {ex.Message}");
            return 1;
        }
    }

    private static void PrintHelp(TextWriter w)
    {
        w.WriteLine("samdiffsr — SAM-DiffSR in .NET (TorchSharp). Usage: samdiffsr <command> [options]; samdiffsr <command> --help");
        w.WriteLine();
        foreach (var c in Commands) w.WriteLine($"  {c.Name,-22} {c.Summary}");
    }
}
