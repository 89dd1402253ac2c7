using System.Collections;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace SamDiffSR.Tests.Diffusion;

/// <summary>Loads a zip-format PyTorch state dict (torch.save(OrderedDict of tensors)) into name → tensor.</summary>
public static class ReferenceTensors
{
    public static Dictionary<string, Tensor> LoadStateDict(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"reference tensor file {path} is missing; restore data/reference from the repository (git checkout -- data/reference)", path);
        using var fs = File.OpenRead(path);
        Hashtable h = PyTorchUnpickler.UnpickleStateDict(fs);
        var d = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (DictionaryEntry e in h) d[(string)e.Key] = (Tensor)e.Value!;
        return d;
    }
}
