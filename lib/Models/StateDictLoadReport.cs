namespace SamDiffSR.Models;

/// <summary>What <see cref="StateDictFile"/> did when loading a state-dict file into a network.</summary>
/// <param name="Path">The file that was read.</param>
/// <param name="Loaded">Target keys (in the target module's naming) whose tensors were copied.</param>
/// <param name="SkippedScheduleBuffers">The official diffusion schedule buffers found in the file (betas, …);
/// they belong to the diffusion process and are never loaded into the networks.</param>
/// <param name="IgnoredOtherNetwork">Keys of the other network (e.g. <c>rrdb.*</c> when loading only the U-Net).</param>
/// <param name="Missing">Target keys absent from the file (an error when strict).</param>
/// <param name="Unexpected">File keys with no target (an error when strict).</param>
/// <param name="ShapeMismatches">"key: file [..] vs model [..]" for tensors of the wrong shape (an error when strict).</param>
/// <param name="StrippedModulePrefix">True when a DataParallel <c>module.</c> prefix was removed from the file's keys.</param>
public sealed record StateDictLoadReport(
    string Path,
    IReadOnlyList<string> Loaded,
    IReadOnlyList<string> SkippedScheduleBuffers,
    IReadOnlyList<string> IgnoredOtherNetwork,
    IReadOnlyList<string> Missing,
    IReadOnlyList<string> Unexpected,
    IReadOnlyList<string> ShapeMismatches,
    bool StrippedModulePrefix)
{
    /// <summary>True when every target tensor was loaded and nothing in the target's namespace was left over.</summary>
    public bool IsComplete => Missing.Count == 0 && Unexpected.Count == 0 && ShapeMismatches.Count == 0;

    /// <summary>One-line summary for logs.</summary>
    public override string ToString() =>
        $"{System.IO.Path.GetFileName(Path)}: loaded {Loaded.Count} tensors" +
        (SkippedScheduleBuffers.Count > 0 ? $", skipped {SkippedScheduleBuffers.Count} schedule buffers" : "") +
        (IgnoredOtherNetwork.Count > 0 ? $", ignored {IgnoredOtherNetwork.Count} tensors of the other network" : "") +
        (Missing.Count > 0 ? $", {Missing.Count} missing" : "") +
        (Unexpected.Count > 0 ? $", {Unexpected.Count} unexpected" : "") +
        (ShapeMismatches.Count > 0 ? $", {ShapeMismatches.Count} shape mismatches" : "") +
        (StrippedModulePrefix ? " ('module.' prefix stripped)" : "");
}
