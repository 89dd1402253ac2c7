using System.Collections;
using SamDiffSR.IO;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace SamDiffSR.Models;

/// <summary>
/// Reads and writes PyTorch state-dict files (zip-format <c>torch.save</c>) for the SRDiff / SAM-DiffSR networks,
/// with the official key layout: <c>denoise_fn.*</c> for the U-Net, <c>rrdb.*</c> for the RRDB encoder, plus the 12
/// diffusion schedule buffers of <c>GaussianDiffusion</c> (skipped and reported on load). Loading is strict by default:
/// a missing or unexpected key or a wrong shape is an <see cref="InvalidDataException"/> that names the file and the keys.
/// </summary>
/// <remarks>
/// The official training checkpoints are legacy (non-zip) pickles nested as
/// <c>{'state_dict': {'model': …}, 'optimizer_states': …, 'global_step': …}</c>; TorchSharp cannot read the legacy format.
/// Convert one in Python with <c>ckpt = torch.load(path, map_location='cpu'); torch.save(ckpt['state_dict']['model'],
/// 'model.pt')</c>. A zip-format file holding that nested dict is also accepted (the model dict is taken from it).
/// </remarks>
public static class StateDictFile
{
    /// <summary>Key prefix of the U-Net inside the official GaussianDiffusion state dict.</summary>
    public const string UnetPrefix = "denoise_fn.";

    /// <summary>Key prefix of the RRDB encoder inside the official GaussianDiffusion state dict.</summary>
    public const string RrdbPrefix = "rrdb.";

    /// <summary>The 12 float32 schedule buffers that <c>GaussianDiffusion.__init__</c> registers (docs/official-code.md §Checkpoint layout).</summary>
    public static IReadOnlyList<string> ScheduleBufferNames { get; } =
    [
        "betas", "alphas_cumprod", "alphas_cumprod_prev", "sqrt_alphas_cumprod", "sqrt_one_minus_alphas_cumprod",
        "log_one_minus_alphas_cumprod", "sqrt_recip_alphas_cumprod", "sqrt_recipm1_alphas_cumprod", "posterior_variance",
        "posterior_log_variance_clipped", "posterior_mean_coef1", "posterior_mean_coef2",
    ];

    private const string ConversionHint =
        "Convert an official checkpoint in Python: ckpt = torch.load(path, map_location='cpu'); " +
        "torch.save(ckpt['state_dict']['model'], 'model.pt') (that writes the zip format this loader reads).";

    /// <summary>
    /// Reads every tensor of a zip-format <c>torch.save</c> state dict. A DataParallel <c>module.</c> prefix is removed;
    /// a nested checkpoint dict (<c>{'state_dict': {'model': …}}</c>) is unwrapped. The caller owns (disposes) the tensors.
    /// </summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">Not a zip-format torch file, or not a name → tensor dictionary.</exception>
    public static Dictionary<string, Tensor> Read(string path) => Read(path, out _);

    /// <inheritdoc cref="Read(string)"/>
    /// <param name="path">The .pt / .pth / .ckpt file.</param>
    /// <param name="strippedModulePrefix">True when a <c>module.</c> prefix was removed.</param>
    public static Dictionary<string, Tensor> Read(string path, out bool strippedModulePrefix)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"state-dict file {path} not found.", path);
        using (var fs = File.OpenRead(path))
        {
            Span<byte> head = stackalloc byte[4];
            int n = fs.Read(head);
            if (n < 4 || head[0] != (byte)'P' || head[1] != (byte)'K')
                throw new InvalidDataException(
                    $"{path} is not a zip-format torch.save file (it may be a legacy-format pickle, as the official " +
                    $"SAM-DiffSR/SRDiff checkpoints are). {ConversionHint}");
        }

        Hashtable table;
        try
        {
            table = PyTorchUnpickler.UnpickleStateDict(path);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new InvalidDataException($"{path} could not be read as a PyTorch state dict: {ex.Message}. {ConversionHint}", ex);
        }

        IDictionary dict = Unwrap(table, path);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var keys = dict.Keys.Cast<object>().Select(k => k?.ToString() ?? "").ToList();
        strippedModulePrefix = keys.Count > 0 && keys.All(k => k.StartsWith("module.", StringComparison.Ordinal));
        foreach (var k in keys.Order(StringComparer.Ordinal))
        {
            var value = dict[k];
            if (value is not Tensor t)
            {
                foreach (var v in result.Values) v.Dispose();
                throw new InvalidDataException(
                    $"{path}: entry '{k}' is a {value?.GetType().Name ?? "null"}, not a tensor; expected a flat name → tensor state dict. {ConversionHint}");
            }
            result[strippedModulePrefix ? k["module.".Length..] : k] = t;
        }
        return result;
    }

    private static IDictionary Unwrap(IDictionary table, string path)
    {
        // {'state_dict': {'model': {...}}} (official trainer) or {'state_dict': {...}} (Lightning-style).
        if (table.Contains("state_dict") && table["state_dict"] is IDictionary sd)
        {
            if (sd.Contains("model") && sd["model"] is IDictionary model) return model;
            return sd;
        }
        if (table.Count == 0) throw new InvalidDataException($"{path} holds an empty state dict.");
        return table;
    }

    /// <summary>
    /// Loads an official GaussianDiffusion state dict (<c>denoise_fn.*</c>, <c>rrdb.*</c>, schedule buffers) into
    /// <paramref name="networks"/>. The schedule buffers are skipped and listed in the report.
    /// </summary>
    /// <param name="networks">Target networks, built with the config the file was trained with.</param>
    /// <param name="path">Zip-format state-dict file.</param>
    /// <param name="strict">When true (default) any missing/unexpected key or wrong shape throws and nothing is loaded.</param>
    /// <exception cref="InvalidDataException">Strict mismatch (the message lists the keys and names the file), or a bad file.</exception>
    public static StateDictLoadReport LoadNetworks(SrDiffNetworks networks, string path, bool strict = true) =>
        Load(networks, path, prefix: "", strict, networks.Config.ToString());

    /// <summary>
    /// Loads just the U-Net: from a bare U-Net state dict, or from the <c>denoise_fn.*</c> part of a full
    /// GaussianDiffusion state dict (other keys are then ignored and reported).
    /// </summary>
    /// <inheritdoc cref="LoadNetworks" path="/exception"/>
    public static StateDictLoadReport LoadUnet(Unet unet, string path, bool strict = true) =>
        Load(unet, path, UnetPrefix, strict, unet.Config.ToString());

    /// <summary>
    /// Loads just the RRDB encoder: from a bare RRDBNet state dict (e.g. the official pretrained <c>rrdb_div2k.ckpt</c>
    /// after conversion), or from the <c>rrdb.*</c> part of a full GaussianDiffusion state dict.
    /// </summary>
    /// <inheritdoc cref="LoadNetworks" path="/exception"/>
    public static StateDictLoadReport LoadRrdb(RRDBNet rrdb, string path, bool strict = true) =>
        Load(rrdb, path, RrdbPrefix, strict, $"RRDB {rrdb.NumBlocks}x{rrdb.NumFeatures}, x{rrdb.Scale}");

    /// <summary>
    /// Loads a state-dict file into any module. With a non-empty <paramref name="prefix"/>, a file that has keys under
    /// that prefix contributes only those keys (prefix removed); a file without them is taken as a bare state dict.
    /// </summary>
    /// <param name="module">Target module.</param>
    /// <param name="path">Zip-format state-dict file.</param>
    /// <param name="prefix">Namespace of the module inside a full GaussianDiffusion state dict ("" for none).</param>
    /// <param name="strict">Throw on any missing/unexpected key or shape mismatch (nothing is loaded then).</param>
    /// <param name="targetDescription">Describes the target in error messages (e.g. its config).</param>
    public static StateDictLoadReport Load(nn.Module module, string path, string prefix = "", bool strict = true, string? targetDescription = null)
    {
        var file = Read(path, out bool stripped);
        try
        {
            var skipped = new List<string>();
            var ignored = new List<string>();
            var candidates = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            bool prefixed = prefix.Length > 0 && file.Keys.Any(k => k.StartsWith(prefix, StringComparison.Ordinal));
            foreach (var (k, t) in file)
            {
                if (ScheduleBufferNames.Contains(k)) { skipped.Add(k); continue; }
                if (prefixed)
                {
                    if (k.StartsWith(prefix, StringComparison.Ordinal)) candidates[k[prefix.Length..]] = t;
                    else ignored.Add(k);
                }
                else candidates[k] = t;
            }

            var target = module.state_dict();
            var missing = target.Keys.Where(k => !candidates.ContainsKey(k)).ToList();
            var unexpected = candidates.Keys.Where(k => !target.ContainsKey(k)).Select(k => prefixed ? prefix + k : k).ToList();
            var mismatched = new List<string>();
            foreach (var (k, t) in candidates)
            {
                if (!target.TryGetValue(k, out var dst)) continue;
                if (!dst.shape.SequenceEqual(t.shape))
                    mismatched.Add($"{(prefixed ? prefix : "")}{k}: file [{string.Join(", ", t.shape)}] vs model [{string.Join(", ", dst.shape)}]");
                else if (!t.is_floating_point())
                    mismatched.Add($"{(prefixed ? prefix : "")}{k}: file dtype {t.dtype} is not floating point (model {dst.dtype})");
            }

            if (strict && (missing.Count > 0 || unexpected.Count > 0 || mismatched.Count > 0))
                throw new InvalidDataException(MismatchMessage(path, targetDescription, prefixed ? prefix : "", missing, unexpected, mismatched));

            var loaded = new List<string>();
            using (torch.no_grad())
            {
                foreach (var k in target.Keys)
                {
                    if (!candidates.TryGetValue(k, out var src)) continue;
                    var dst = target[k];
                    if (!dst.shape.SequenceEqual(src.shape) || !src.is_floating_point()) continue;
                    dst.copy_(src);
                    loaded.Add(k);
                }
            }
            return new StateDictLoadReport(path, loaded, skipped, ignored, missing, unexpected, mismatched, stripped);
        }
        finally
        {
            foreach (var t in file.Values) t.Dispose();
        }
    }

    private static string MismatchMessage(string path, string? target, string prefix, List<string> missing, List<string> unexpected, List<string> mismatched)
    {
        static string List(IReadOnlyList<string> xs) =>
            string.Join(", ", xs.Take(12)) + (xs.Count > 12 ? $", … ({xs.Count - 12} more)" : "");
        var parts = new List<string>();
        if (missing.Count > 0) parts.Add($"{missing.Count} missing key(s): {List(missing.Select(k => prefix + k).ToList())}");
        if (unexpected.Count > 0) parts.Add($"{unexpected.Count} unexpected key(s): {List(unexpected)}");
        if (mismatched.Count > 0) parts.Add($"{mismatched.Count} shape/dtype mismatch(es): {List(mismatched)}");
        return $"state dict {path} does not fit the model{(target is null ? "" : $" ({target})")}: {string.Join("; ", parts)}. " +
               "Build the model with the config the weights were trained with (e.g. --preset), or load non-strictly to take what matches.";
    }

    /// <summary>
    /// Writes a module's parameters and buffers as a zip-format state dict that PyTorch's <c>torch.load</c> reads,
    /// atomically. Keys are the module's own names with <paramref name="prefix"/> in front.
    /// </summary>
    /// <param name="module">Source module.</param>
    /// <param name="path">Destination file (.pt).</param>
    /// <param name="prefix">Prefix for every key, e.g. "denoise_fn." ("" for a bare state dict).</param>
    /// <param name="extra">Additional named tensors to include (e.g. the 12 schedule buffers, so that the file loads
    /// strictly into the official GaussianDiffusion).</param>
    public static void Save(nn.Module module, string path, string prefix = "", IReadOnlyDictionary<string, Tensor>? extra = null)
    {
        using var scope = torch.NewDisposeScope();
        var dict = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        if (extra is not null)
            foreach (var (k, t) in extra) dict[k] = ToCpuContiguous(t);
        foreach (var (k, t) in module.state_dict())
        {
            var key = prefix + k;
            if (dict.ContainsKey(key)) throw new ArgumentException($"extra tensor '{key}' collides with a module key.", nameof(extra));
            dict[key] = ToCpuContiguous(t);
        }
        AtomicFile.Write(path, s => PyTorchStateDictWriter.Write(s, dict));
    }

    /// <summary>
    /// Writes both networks in the official GaussianDiffusion layout (<c>denoise_fn.*</c>, <c>rrdb.*</c>), optionally with
    /// the schedule buffers, atomically.
    /// </summary>
    public static void SaveNetworks(SrDiffNetworks networks, string path, IReadOnlyDictionary<string, Tensor>? scheduleBuffers = null) =>
        Save(networks, path, "", scheduleBuffers);

    private static Tensor ToCpuContiguous(Tensor t)
    {
        var d = t.detach();
        if (d.device_type != DeviceType.CPU) d = d.cpu();
        return d.contiguous();
    }
}
