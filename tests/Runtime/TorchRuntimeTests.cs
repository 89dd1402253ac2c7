using SamDiffSR.Runtime;
using TorchSharp;
using Xunit;

namespace SamDiffSR.Tests.Runtime;

public class TorchRuntimeTests
{
    [Fact]
    public void NativesLoad_AndSeededRandnMatchesPyTorch()
    {
        TorchRuntime.Initialize(threads: 1);
        torch.manual_seed(0);
        using var x = torch.randn(3);
        var v = x.data<float>().ToArray();
        // PyTorch: torch.manual_seed(0); torch.randn(3) -> tensor([ 1.5410, -0.2934, -2.1788])
        Assert.Equal(1.5410, v[0], 4);
        Assert.Equal(-0.2934, v[1], 4);
        Assert.Equal(-2.1788, v[2], 4);
    }

    [Fact]
    public void CpuBuild_HasNoCudaDevice_ButReportsItCleanly()
    {
        TorchRuntime.Initialize(threads: 1);
        Assert.Equal(DeviceType.CPU, TorchRuntime.Device.type);
        Assert.Contains("device CPU", TorchRuntime.Describe());
    }
}

public class OpenMpDefaultTests
{
    private static string RunInfo(Dictionary<string, string> env)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "samdiffsr.dll"));
        psi.ArgumentList.Add("info");
        psi.Environment.Remove("OMP_WAIT_POLICY");
        foreach (var kv in env) psi.Environment[kv.Key] = kv.Value;
        using var p = System.Diagnostics.Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
        return o;
    }

    [Fact]
    public void IdleOpenMpThreadsSleep_ByDefault_UnlessTheUserChose()
    {
        Assert.Contains("OMP_WAIT_POLICY PASSIVE", RunInfo(new()));
        Assert.Contains("OMP_WAIT_POLICY active", RunInfo(new() { ["OMP_WAIT_POLICY"] = "active" }));
        Assert.Contains("OMP_WAIT_POLICY unset", RunInfo(new() { ["SAMDIFFSR_OMP_WAIT"] = "default" }));
    }
}
