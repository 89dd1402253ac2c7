using System.Globalization;
using SamDiffSR.Runtime;

namespace SamDiffSR.Cli;

/// <summary>Thrown for bad command-line input; the message is printed as one line and the exit code is 2.</summary>
public sealed class CliUsageException(string message) : Exception(message);

/// <summary>
/// Minimal POSIX-ish option parser: <c>--name value</c>, <c>--name=value</c>, boolean <c>--flag</c>.
/// Strict, so that no mistake passes silently: an unknown option, an option given twice, an option that needs a value
/// but has none (<c>--scale</c> at the end or before another option), a value given to a switch, and (through
/// <see cref="NotWith"/>) an option that does not apply to the chosen mode are all errors naming the option.
/// </summary>
public sealed class CliArgs
{
    // null value: the option was given without a value (a switch, or a missing value).
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
                string name; string? value;
                if (eq > 0) { name = a[2..eq]; value = a[(eq + 1)..]; }
                else
                {
                    name = a[2..];
                    if (flags != null && flags.Contains(name)) value = null;
                    else if (i + 1 < list.Count && !IsOption(list[i + 1])) value = list[++i];
                    else value = null;
                }
                if (!_opts.TryAdd(name, value))
                    throw new CliUsageException($"--{name} is given twice; give each option once");
            }
            else Positional.Add(a);
        }
    }

    private static bool IsOption(string token) => token.StartsWith("--", StringComparison.Ordinal) && token.Length > 2;

    public bool Has(string name) { _used.Add(name); return _opts.ContainsKey(name); }

    /// <summary>A switch: true when given bare (or as <c>=true|1|yes</c>), false when absent or <c>=false|0|no</c>; any other value is an error.</summary>
    public bool Flag(string name)
    {
        _used.Add(name);
        if (!_opts.TryGetValue(name, out var v)) return false;
        return v switch
        {
            null or "true" or "1" or "yes" => true,
            "false" or "0" or "no" => false,
            _ => throw new CliUsageException($"--{name} is a switch and takes no value, got '{v}'"),
        };
    }

    /// <summary>The option's value, null when absent; an error when the option is given without a value.</summary>
    public string? Get(string name)
    {
        _used.Add(name);
        if (!_opts.TryGetValue(name, out var v)) return null;
        if (v is null || v.Trim().Length == 0) throw new CliUsageException($"--{name} needs a value (--{name} <value>), got {(v is null ? "none" : "an empty string")}");
        return v;
    }

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

    /// <summary>An integer option that must be at least <paramref name="min"/> when given.</summary>
    public int Int(string name, int fallback, int min)
    {
        int v = Int(name, fallback);
        if (Has(name) && v < min) throw new CliUsageException($"--{name} must be >= {min}, got {v}");
        return v;
    }

    public long Long(string name, long fallback)
    {
        var v = Get(name);
        if (v is null) return fallback;
        return long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var r)
            ? r : throw new CliUsageException($"--{name} expects an integer, got '{v}'");
    }

    /// <summary>A finite number (NaN and ±Infinity are refused).</summary>
    public double Double(string name, double fallback)
    {
        var v = Get(name);
        if (v is null) return fallback;
        if (!double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var r))
            throw new CliUsageException($"--{name} expects a number, got '{v}'");
        if (!double.IsFinite(r)) throw new CliUsageException($"--{name} must be a finite number, got '{v}'");
        return r;
    }

    /// <summary>
    /// Refuses <paramref name="name"/> when <paramref name="notApplicable"/>: an option that the chosen mode would
    /// ignore is an error, never silently dropped. <paramref name="why"/> completes "--name ...".
    /// </summary>
    public void NotWith(string name, bool notApplicable, string why)
    {
        if (Has(name) && notApplicable) throw new CliUsageException($"--{name} {why}");
    }

    /// <summary>
    /// <c>--max-pixels N</c>, the decoding limit of every image read by the command (default 64 megapixels): sets
    /// <see cref="SamDiffSR.Data.ImageLoadOptions.Default"/> until the returned object is disposed.
    /// </summary>
    public IDisposable MaxPixels()
    {
        // An integer, also in exponent form (1e9), as the earlier degrade option accepted.
        var v = Get("max-pixels");
        long n = SamDiffSR.Data.ImageLoadOptions.DefaultMaxPixels;
        if (v != null && !long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out n))
        {
            if (!double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) || !double.IsFinite(d) || d != Math.Floor(d) || d > long.MaxValue)
                throw new CliUsageException($"--max-pixels expects a whole number of pixels, got '{v}'");
            n = (long)d;
        }
        if (n < 1) throw new CliUsageException($"--max-pixels must be >= 1, got {n}");
        return SamDiffSR.Data.ImageLoadOptions.UseDefault(new SamDiffSR.Data.ImageLoadOptions(n));
    }

    /// <summary>The usage line of <see cref="MaxPixels"/>.</summary>
    public const string MaxPixelsHelp = "  --max-pixels N  refuse images whose header declares more than N pixels (default 67108864 = 8192²)\n";

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
        if (Positional.Count > 0)
            throw new CliUsageException($"unexpected argument(s): {string.Join(" ", Positional.Select(p => $"'{p}'"))}; every input is given with an option (--name value)");
    }
}
