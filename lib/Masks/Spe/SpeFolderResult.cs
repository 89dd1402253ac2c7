namespace SamDiffSR.Masks.Spe;

/// <summary>Counts of one <see cref="SpeFolderEncoder.EncodeFolder"/> run.</summary>
/// <param name="Written">Maps written.</param>
/// <param name="Skipped">Inputs skipped because their .npy already existed (resume).</param>
/// <param name="Empty">JSON files with no masks (no .npy written: their image size is unknown).</param>
/// <param name="EmptyFiles">Those JSON files.</param>
public sealed record SpeFolderResult(int Written, int Skipped, int Empty, IReadOnlyList<string> EmptyFiles);
