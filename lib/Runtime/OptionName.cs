using System.Reflection;

namespace SamDiffSR.Runtime;

/// <summary>
/// The spelling of an enum value on the command line and in notebooks' settings blocks (e.g.
/// <c>ModulationMode.OfficialCode</c> is <c>official</c>). Declared once on the library enum, so the CLI, its help text
/// and error messages cannot disagree with the library. JSON files keep the C# names (unchanged formats).
/// </summary>
[AttributeUsage(AttributeTargets.Field)]
public sealed class OptionNameAttribute(string name) : Attribute
{
    /// <summary>The option spelling (lower case, words joined by '-').</summary>
    public string Name { get; } = name;
}

/// <summary>Reads <see cref="OptionNameAttribute"/> spellings.</summary>
public static class OptionNames
{
    /// <summary>Every value of <typeparamref name="T"/> that has an option spelling, in declaration order.</summary>
    public static IReadOnlyList<(string Name, T Value)> All<T>() where T : struct, Enum =>
        typeof(T).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => (Attr: f.GetCustomAttribute<OptionNameAttribute>(), Value: (T)f.GetValue(null)!))
            .Where(p => p.Attr is not null)
            .Select(p => (p.Attr!.Name, p.Value))
            .ToList();

    /// <summary>The option spelling of <paramref name="value"/>.</summary>
    /// <exception cref="ArgumentException">The value has no spelling.</exception>
    public static string Of<T>(T value) where T : struct, Enum
    {
        foreach (var (name, v) in All<T>())
            if (EqualityComparer<T>.Default.Equals(v, value)) return name;
        throw new ArgumentException($"{typeof(T).Name}.{value} has no option name");
    }

    /// <summary>Parses an option spelling (exact, case-sensitive).</summary>
    public static bool TryParse<T>(string text, out T value) where T : struct, Enum
    {
        foreach (var (name, v) in All<T>())
            if (name == text) { value = v; return true; }
        value = default;
        return false;
    }
}
