using SamDiffSR.Runtime;

namespace SamDiffSR.Metrics.Perceptual;

/// <summary>
/// FID of image sets: features from an <see cref="IFeatureExtractor"/>, statistics (mean, unbiased covariance;
/// <see cref="GaussianStatistics"/>) and the Fréchet distance (<see cref="FrechetDistance"/>). pyiqa/SAM-DiffSR
/// compare the SR folder with the HR folder of each benchmark set (docs/official-code.md §Benchmark metrics): call
/// <see cref="Compute(IEnumerable{PerceptualImage}, IEnumerable{PerceptualImage}, IProgress{ProgressInfo}?)"/> with
/// the SR images and the GT images. Sets with N ≤ 2048 images carry a rank-deficiency warning.
/// </summary>
public sealed class FidCalculator : IDisposable
{
    private readonly IFeatureExtractor _extractor;
    private readonly bool _ownsExtractor;

    /// <summary>Wraps an extractor; disposes it on <see cref="Dispose"/> when <paramref name="ownsExtractor"/>.</summary>
    public FidCalculator(IFeatureExtractor extractor, FrechetOptions? options = null, int batchSize = 16, bool ownsExtractor = true)
    {
        _extractor = extractor ?? throw new ArgumentNullException(nameof(extractor));
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize));
        Options = options ?? FrechetOptions.Default;
        BatchSize = batchSize;
        _ownsExtractor = ownsExtractor;
    }

    /// <summary>Fréchet options.</summary>
    public FrechetOptions Options { get; }

    /// <summary>Images handed to the extractor at a time.</summary>
    public int BatchSize { get; }

    /// <summary>The feature network.</summary>
    public IFeatureExtractor Extractor => _extractor;

    /// <summary>All features of a set, streamed in batches of <see cref="BatchSize"/>.</summary>
    public FeatureMatrix Features(IEnumerable<PerceptualImage> images, IProgress<ProgressInfo>? progress = null, string stage = "fid")
    {
        ArgumentNullException.ThrowIfNull(images);
        var list = images as IReadOnlyCollection<PerceptualImage>;
        var total = list?.Count ?? 0;
        var chunks = new List<FeatureMatrix>();
        var batch = new List<PerceptualImage>(BatchSize);
        var done = 0;
        foreach (var img in images)
        {
            batch.Add(img);
            if (batch.Count == BatchSize) Flush();
        }
        if (batch.Count > 0) Flush();
        if (chunks.Count == 0) throw new ArgumentException("FID needs at least two images per set; got none.", nameof(images));
        var dim = chunks[0].Dimension;
        var n = chunks.Sum(c => c.Count);
        var data = new float[n * dim];
        var offset = 0;
        foreach (var c in chunks)
        {
            c.Data.CopyTo(data, offset);
            offset += c.Data.Length;
        }
        return new FeatureMatrix(data, n, dim);

        void Flush()
        {
            var f = _extractor.Extract(batch);
            if (chunks.Count > 0 && f.Dimension != chunks[0].Dimension)
                throw new InvalidDataException($"The feature extractor returned {f.Dimension} features after {chunks[0].Dimension}.");
            chunks.Add(f);
            done += batch.Count;
            progress?.Report(new ProgressInfo(stage, done, total));
            batch.Clear();
        }
    }

    /// <summary>Statistics (μ, Σ) of one set.</summary>
    public GaussianStatistics Statistics(IEnumerable<PerceptualImage> images, IProgress<ProgressInfo>? progress = null)
    {
        var f = Features(images, progress);
        return GaussianStatistics.FromFeatures(f.Data, f.Count, f.Dimension);
    }

    /// <summary>FID between two sets (e.g. SR vs GT of one benchmark); warnings in the result.</summary>
    public FrechetResult Compute(IEnumerable<PerceptualImage> first, IEnumerable<PerceptualImage> second, IProgress<ProgressInfo>? progress = null) =>
        FrechetDistance.Compute(Statistics(first, progress), Statistics(second, progress), Options);

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsExtractor) _extractor.Dispose();
    }
}
