namespace SamDiffSR.Metrics.Perceptual;

/// <summary>Features of a batch of images: N rows of D float32 values (row-major).</summary>
/// <param name="Data">N×D values.</param>
/// <param name="Count">N.</param>
/// <param name="Dimension">D.</param>
public sealed record FeatureMatrix(float[] Data, int Count, int Dimension);

/// <summary>A feature network for FID: image batch → N×D features (Inception-v3 pool3: D = 2048).</summary>
public interface IFeatureExtractor : IDisposable
{
    /// <summary>Short description for reports (model file, preprocessing).</summary>
    string Description { get; }

    /// <summary>Features of <paramref name="images"/> (each H×W×3 in [0, 1], any size: the extractor resizes as documented).</summary>
    FeatureMatrix Extract(IReadOnlyList<PerceptualImage> images);
}
