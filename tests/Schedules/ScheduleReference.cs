using System.Text.Json;

namespace SamDiffSR.Tests.Schedules;

/// <summary>Reads data/reference/schedule_T100_cosine.json (the official code's schedule) once.</summary>
public static class ScheduleReference
{
    private static readonly Lazy<JsonDocument> Doc = new(() =>
        JsonDocument.Parse(File.ReadAllText(TestPaths.Reference("schedule_T100_cosine.json"))));

    public static JsonElement Root => Doc.Value.RootElement;

    public static double[] Array(string name)
    {
        var el = Root;
        foreach (var part in name.Split('.')) el = el.GetProperty(part);
        return el.EnumerateArray().Select(e => e.GetDouble()).ToArray();
    }

    public static double[] ToDoubles(this JsonElement el) => el.EnumerateArray().Select(e => e.GetDouble()).ToArray();
}
