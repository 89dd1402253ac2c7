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
