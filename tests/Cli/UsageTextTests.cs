using System.Text.RegularExpressions;
using SamDiffSR.Cli;
using Xunit;

namespace SamDiffSR.Tests.Cli;

/// <summary>Every command's --help text: shared option blocks end their last line (an option never starts mid-line).</summary>
public class UsageTextTests
{
    public static TheoryData<string> CommandNames()
    {
        var d = new TheoryData<string>();
        foreach (var c in CliApp.Commands) d.Add(c.Name);
        return d;
    }

    [Theory]
    [MemberData(nameof(CommandNames))]
    public void NoOptionStartsInTheMiddleOfALine(string name)
    {
        var usage = CliApp.Commands.Single(c => c.Name == name).Usage;
        Assert.False(string.IsNullOrWhiteSpace(usage));
        foreach (var line in usage.Split('\n'))
            Assert.False(Regex.IsMatch(line, @"\S {2,}--[a-z]"), $"'{name}' usage line runs two entries together: {line}");
    }
}
