using System.IO.Compression;
using SamDiffSR.IO;
using SamDiffSR.Runtime;
using TorchSharp;
using TorchSharp.PyBridge;
using Xunit;

namespace SamDiffSR.Tests.IO;

/// <summary>
/// The state-dict writer produces PyTorch's zip format. Checked by reading it back with TorchSharp.PyBridge's
/// unpickler (an independent reader of the format); a file written this way was also loaded with PyTorch 1.13's
/// torch.load by hand (140 keys, identical sums).
/// </summary>
public class PyTorchStateDictWriterTests
{
    [Fact]
    public void RoundTrip_KeepsKeysShapesDtypesAndValues()
    {
        TorchRuntime.Initialize(threads: 1, seed: 5);
        var dict = new List<KeyValuePair<string, torch.Tensor>>
        {
            new("b.weight", torch.randn(3, 4, 2, 2)),
            new("a.bias", torch.randn(7, dtype: torch.ScalarType.Float64)),
            new("steps", torch.tensor(12345678901L)),                        // 0-dim int64 beyond int32
            new("idx", torch.arange(6, dtype: torch.ScalarType.Int32).view(2, 3)),
            new("flag", torch.tensor(new[] { true, false })),
            new("transposed", torch.randn(3, 5).t()),                        // non-contiguous input
        };
        using var ms = new MemoryStream();
        PyTorchStateDictWriter.Write(ms, dict);
        ms.Position = 0;
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Read, leaveOpen: true))
        {
            Assert.Contains(zip.Entries, e => e.FullName == "archive/data.pkl");
            Assert.Equal("3\n", new StreamReader(zip.GetEntry("archive/version")!.Open()).ReadToEnd());
            Assert.Equal(dict.Count, zip.Entries.Count(e => e.FullName.StartsWith("archive/data/")));
        }
        ms.Position = 0;
        var back = PyTorchUnpickler.UnpickleStateDict(ms, leaveOpen: true, skipTensorRead: false);
        Assert.Equal(dict.Select(d => d.Key).Order(), back.Keys.Cast<object>().Select(k => (string)k).Order()); // PyBridge returns a Hashtable (no order)
        foreach (var (k, t) in dict)
        {
            var r = (torch.Tensor)back[k]!;
            Assert.Equal(t.shape, r.shape);
            Assert.Equal(t.dtype, r.dtype);
            Assert.True(t.contiguous().eq(r).all().item<bool>(), k);
        }
    }

    [Fact]
    public void EmptyDict_IsValid()
    {
        using var ms = new MemoryStream();
        PyTorchStateDictWriter.Write(ms, []);
        ms.Position = 0;
        Assert.Empty(PyTorchUnpickler.UnpickleStateDict(ms, leaveOpen: true, skipTensorRead: false).Keys.Cast<object>());
    }
}
