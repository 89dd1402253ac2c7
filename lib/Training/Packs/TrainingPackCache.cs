using SamDiffSR.Runtime;

namespace SamDiffSR.Training.Packs;

/// <summary>
/// Where <c>train</c> keeps its pack: a user-chosen path, or <c>&lt;run&gt;/data-pack/pack-&lt;key&gt;.srpack</c> keyed by
/// the inputs' names, sizes and times and the options, so a rerun or resume reuses it and changed inputs build a new one.
/// </summary>
public static class TrainingPackCache
{
    /// <summary>Folder inside a run that holds its cached packs.</summary>
    public const string FolderName = "data-pack";

    /// <summary>Builds (or resumes, or reuses) the pack for <paramref name="inputs"/> and returns its path.</summary>
    public static TrainingPackBuildResult Ensure(IReadOnlyList<HrFolderInput> inputs, TrainingPackOptions options, string runDirectory,
                                                 string? packPath = null, Action<string>? log = null, IProgress<ProgressInfo>? progress = null,
                                                 CancellationToken cancellationToken = default)
    {
        if (packPath is null)
        {
            var key = TrainingPackBuilder.ComputeKey(TrainingPackBuilder.ListFiles(inputs, options), options);
            packPath = Path.Combine(Path.GetFullPath(runDirectory), FolderName, $"pack-{key[..16]}{TrainingPack.Extension}");
        }
        return TrainingPackBuilder.Build(inputs, packPath, options, log, progress, cancellationToken);
    }
}
