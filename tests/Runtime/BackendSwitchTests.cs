using System.Text.Json;
using System.Xml.Linq;
using Xunit;

namespace SamDiffSR.Tests.Runtime;

/// <summary>The default (cpu) backend never references a CUDA package; the cuda switch names the CUDA packages.</summary>
public class BackendSwitchTests
{
    [Fact]
    public void CpuRestore_HasNoCudaPackage()
    {
        var assets = Path.Combine(TestPaths.RepoRoot, "obj", "project.assets.json");
        Assert.True(File.Exists(assets), $"{assets} missing: build the library first");
        using var doc = JsonDocument.Parse(File.ReadAllText(assets));
        var libs = doc.RootElement.GetProperty("libraries").EnumerateObject().Select(p => p.Name.ToLowerInvariant()).ToList();
        Assert.Contains(libs, l => l.StartsWith("libtorch-cpu-linux-x64/"));
        Assert.Contains(libs, l => l.StartsWith("microsoft.ml.onnxruntime/"));
        Assert.DoesNotContain(libs, l => l.Contains("cuda") || l.Contains("onnxruntime.gpu"));
    }

    [Fact]
    public void ProjectFile_SwitchesBothNativeBackends_OnTorchBackend()
    {
        var proj = XDocument.Load(Path.Combine(TestPaths.RepoRoot, "SamDiffSR.Lib.csproj"));
        var groups = proj.Descendants("ItemGroup").Where(g => g.Attribute("Condition") != null).ToList();
        var cuda = groups.Single(g => g.Attribute("Condition")!.Value.Contains("== 'cuda'"));
        var cpu = groups.Single(g => g.Attribute("Condition")!.Value.Contains("!= 'cuda'"));
        string[] Refs(XElement g) => g.Elements("PackageReference").Select(e => (string)e.Attribute("Include")!).ToArray();
        Assert.Equal(["TorchSharp-cuda-linux", "Microsoft.ML.OnnxRuntime.Gpu.Linux"], Refs(cuda));
        Assert.Equal(["libtorch-cpu-linux-x64", "Microsoft.ML.OnnxRuntime"], Refs(cpu));
        var props = XDocument.Load(Path.Combine(TestPaths.RepoRoot, "Directory.Build.props"));
        Assert.Contains(props.Descendants("TorchBackend"), e => e.Value == "cpu" && e.Attribute("Condition") != null);
    }
}
