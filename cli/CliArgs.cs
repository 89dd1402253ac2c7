using System.Globalization;
using SamDiffSR.Runtime;

namespace SamDiffSR.Cli;

/// <summary>Thrown for bad command-line input; the message is printed as one line and the exit code is 2.</summary>
public sealed class CliUsageException(string message) : Exception(message);

/// <summary>
/// Minimal POSIX-ish option parser: <c>--name value</c>, <c>--name=value</c>, boolean <c>--flag</c>.
/// Unknown options are an error (no silently ignored keys).
/// </summary>
public sealed class CliArgs
{
    private readonly Dictionary<string, string?> _opts = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);
    public List<string> Positional { get; } = new();

    public CliArgs(IEnumerable<string> args, IReadOnlySet<string>? flags = null)
    {
        var list = args.ToList();
        for (int i = 0; i < list.Count; i++)
        {
            var a = list[i];
            if (a.StartsWith("--", StringComparison.Ordinal) && a.Length > 2)
            {
                var eq = a.IndexOf('=');
                if (eq > 0) { _opts[a[2..eq]] = a[(eq + 1)..]; continue; }
                var name = a[2..];
                if (flags != null && flags.Contains(name)) { _opts[name] = "true"; continue; }
                if (i + 1 < list.Count && !(list[i + 1].StartsWith("--", StringComparison.Ordinal) && list[i + 1].Length > 2))
                    _opts[name] = list[++i];
                else _opts[name] = "true";
            }
            else Positional.Add(a);
        }
    }

    public bool Has(string name) { _used.Add(name); return _opts.ContainsKey(name); }

    public bool Flag(string name) { _used.Add(name); return _opts.TryGetValue(name, out var v) && v is "true" or "1" or "yes"; }

    public string? Get(string name) { _used.Add(name); return _opts.TryGetValue(name, out var v) ? v : null; }

    public string Require(string name) =>
        Get(name) ?? throw new CliUsageException($"missing required option --{name}");

    public string GetOr(string name, string fallback) => Get(name) ?? fallback;

    public int Int(string name, int fallback)
    {
        var v = Get(name);
        if (v is null) return fallback;
        return int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var r)
            ? r : throw new CliUsageException($"--{name} expects an integer, got '{v}'");
    }

    public double Double(string name, double fallback)
    {
        var v = Get(name);
        if (v is null) return fallback;
        return double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var r)
            ? r : throw new CliUsageException($"--{name} expects a number, got '{v}'");
    }

    public string Choice(string name, string fallback, params string[] allowed)
    {
        var v = GetOr(name, fallback);
        if (!allowed.Contains(v)) throw new CliUsageException($"--{name} must be one of {string.Join("|", allowed)}, got '{v}'");
        return v;
    }

    /// <summary>
    /// An enum option spelled as the library declares it (<see cref="OptionNameAttribute"/>); <paramref name="allowed"/>
    /// narrows the choice (empty: every value with a spelling). The error lists the valid spellings.
    /// </summary>
    public T Enum<T>(string name, T fallback, params T[] allowed) where T : struct, System.Enum
    {
        var choices = Spellings(allowed);
        var v = Get(name);
        if (v is null) return fallback;
        foreach (var (spelling, value) in choices)
            if (spelling == v) return value;
        throw new CliUsageException($"--{name} must be one of {string.Join("|", choices.Select(c => c.Name))}, got '{v}'");
    }

    /// <summary>The spellings of an enum option as usage text shows them: "a|b|c".</summary>
    public static string Choices<T>(params T[] allowed) where T : struct, System.Enum =>
        string.Join("|", Spellings(allowed).Select(c => c.Name));

    private static List<(string Name, T Value)> Spellings<T>(T[] allowed) where T : struct, System.Enum =>
        OptionNames.All<T>().Where(p => allowed.Length == 0 || allowed.Contains(p.Value)).ToList();

    /// <summary>Call after reading all options: any option the command did not ask for is an error.</summary>
    public void EnsureAllUsed()
    {
        var unknown = _opts.Keys.Where(k => !_used.Contains(k)).ToList();
        if (unknown.Count > 0) throw new CliUsageException($"unknown option(s): {string.Join(", ", unknown.Select(k => "--" + k))}");
    }
}
