using SamDiffSR.Data;

namespace SamDiffSR.Metrics.Perceptual;

/// <summary>The requested per-image perceptual metrics of one image.</summary>
/// <param name="Name">File name.</param>
/// <param name="Values">Metric key → value, only for metrics that were requested and are available.</param>
public sealed record PerceptualImageScores(string Name, IReadOnlyDictionary<string, double> Values);

/// <summary>
/// Result of <see cref="PerceptualSetScorer"/>: per-image values, set-level values and what could not be computed.
/// </summary>
/// <param name="Requested">Requested perceptual metric keys, in <see cref="PerceptualMetrics.Names"/> order.</param>
/// <param name="Images">Per-image values (artifact, lpips, maniqa), in the order the images were added.</param>
/// <param name="Means">Set level: the unweighted mean over images of each per-image metric (for <c>artifact</c> this is
/// <see cref="LdlArtifactMap.SetScore"/>), and <c>fid</c> (SR set vs GT set).</param>
/// <param name="Unavailable">Requested metrics that have no value, with the reason (missing/invalid model, too few images).</param>
/// <param name="Warnings">Caveats of computed values (e.g. FID's rank-deficient covariance for small sets), prefixed by the metric key.</param>
public sealed record PerceptualSetScores(
    IReadOnlyList<string> Requested,
    IReadOnlyList<PerceptualImageScores> Images,
    IReadOnlyDictionary<string, double> Means,
    IReadOnlyDictionary<string, string> Unavailable,
    IReadOnlyList<string> Warnings)
{
    /// <summary>Requested per-image metrics that are available (artifact, lpips, maniqa), in report order.</summary>
    public IReadOnlyList<string> PerImageMetrics =>
        [.. Requested.Where(m => m != PerceptualMetrics.Fid && !Unavailable.ContainsKey(m))];
}

/// <summary>
/// Scores the GT/SR pairs of one evaluation with the requested perceptual metrics (SAM-DiffSR Tables 2–3, Fig. 9):
/// <c>artifact</c> (<see cref="LdlArtifactMap"/>, per pair, on the images as given: gray pairs give a one-channel
/// residual), <c>lpips</c> (per pair), <c>maniqa</c> (per SR image, no reference) and <c>fid</c> (SR set vs GT set,
/// features extracted as the images arrive, so the images themselves are not kept). Gray images are replicated to RGB
/// for the networks (pyiqa reads every image as RGB). A metric whose model is missing or invalid is listed in
/// <see cref="Unavailable"/> with the reason and gets no value: nothing is skipped silently or faked.
/// Call <see cref="Add(string, PerceptualImage, PerceptualImage)"/> per image, then <see cref="Finish"/>.
/// </summary>
public sealed class PerceptualSetScorer : IDisposable
{
    private const int FidBatch = 8;
    private readonly Dictionary<string, string> _unavailable = new(StringComparer.Ordinal);
    private readonly List<PerceptualImageScores> _images = [];
    private readonly List<string> _warnings = [];
    private readonly FidCalculator? _fid;
    private readonly OnnxLpips? _lpips;
    private readonly OnnxManiqa? _maniqa;
    private readonly bool _artifact;
    private readonly List<PerceptualImage> _pendingSr = [], _pendingGt = [];
    private readonly List<float> _featSr = [], _featGt = [];
    private int _fidDim, _fidCount;
    private bool _finished;

    /// <summary>Opens the available models among <paramref name="requested"/>.</summary>
    /// <param name="metrics">Discovered models (<see cref="PerceptualMetrics.Discover"/>).</param>
    /// <param name="requested">Perceptual metric keys (any of <see cref="PerceptualMetrics.Names"/>, case-insensitive;
    /// duplicates ignored). PSNR/SSIM are not handled here.</param>
    /// <exception cref="ArgumentException">An unknown metric key.</exception>
    public PerceptualSetScorer(PerceptualMetrics metrics, IEnumerable<string> requested)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(requested);
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in requested)
        {
            var key = r.Trim().ToLowerInvariant();
            if (!PerceptualMetrics.Names.Contains(key))
                throw new ArgumentException($"Unknown perceptual metric '{r}'; known: {string.Join(", ", PerceptualMetrics.Names)}.", nameof(requested));
            set.Add(key);
        }
        Requested = [.. PerceptualMetrics.Names.Where(set.Contains)];
        try
        {
            foreach (var m in Requested)
            {
                var a = metrics[m];
                if (!a.IsAvailable) { _unavailable[m] = a.Reason; continue; }
                try
                {
                    switch (m)
                    {
                        case PerceptualMetrics.Artifact: _artifact = true; break;
                        case PerceptualMetrics.Fid: _fid = metrics.OpenFid(); break;
                        case PerceptualMetrics.Lpips: _lpips = metrics.OpenLpips(); break;
                        case PerceptualMetrics.Maniqa: _maniqa = metrics.OpenManiqa(); break;
                    }
                }
                catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException or InvalidOperationException)
                {
                    _unavailable[m] = e.Message;
                }
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Requested perceptual metric keys, in <see cref="PerceptualMetrics.Names"/> order.</summary>
    public IReadOnlyList<string> Requested { get; }

    /// <summary>Requested metrics that will have no value, with the reason (FID may be added by <see cref="Finish"/>).</summary>
    public IReadOnlyDictionary<string, string> Unavailable => _unavailable;

    /// <summary>Images added so far.</summary>
    public int Count => _images.Count;

    /// <summary>Scores one 8-bit GT/SR pair (same shape; values v / 255).</summary>
    public PerceptualImageScores Add(string name, ImageU8 groundTruth, ImageU8 superResolved)
    {
        ArgumentNullException.ThrowIfNull(groundTruth);
        ArgumentNullException.ThrowIfNull(superResolved);
        return Add(name,
            PerceptualImage.FromBytes(groundTruth.Data, groundTruth.Height, groundTruth.Width, groundTruth.Channels),
            PerceptualImage.FromBytes(superResolved.Data, superResolved.Height, superResolved.Width, superResolved.Channels));
    }

    /// <summary>Scores one GT/SR pair (same shape, [0, 1]) with the per-image metrics and feeds FID.</summary>
    /// <exception cref="ArgumentException">Shapes differ.</exception>
    public PerceptualImageScores Add(string name, PerceptualImage groundTruth, PerceptualImage superResolved)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(groundTruth);
        ArgumentNullException.ThrowIfNull(superResolved);
        ObjectDisposedException.ThrowIf(_finished, this);
        if (groundTruth.Height != superResolved.Height || groundTruth.Width != superResolved.Width || groundTruth.Channels != superResolved.Channels)
            throw new ArgumentException($"'{name}': GT is {groundTruth.Height}×{groundTruth.Width}×{groundTruth.Channels} but SR is " +
                                        $"{superResolved.Height}×{superResolved.Width}×{superResolved.Channels}; the metrics need equal shapes.");
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        if (_artifact) values[PerceptualMetrics.Artifact] = LdlArtifactMap.Score(groundTruth, superResolved);
        PerceptualImage? gtRgb = null, srRgb = null;
        if (_lpips is not null || _maniqa is not null || _fid is not null)
        {
            gtRgb = ToRgb(groundTruth);
            srRgb = ToRgb(superResolved);
        }
        if (_lpips is not null) values[PerceptualMetrics.Lpips] = _lpips.Distance(srRgb!, gtRgb!);
        if (_maniqa is not null) values[PerceptualMetrics.Maniqa] = _maniqa.Score(srRgb!);
        if (_fid is not null)
        {
            _pendingSr.Add(srRgb!);
            _pendingGt.Add(gtRgb!);
            if (_pendingSr.Count >= FidBatch) FlushFid();
        }
        var scores = new PerceptualImageScores(name, values);
        _images.Add(scores);
        return scores;
    }

    /// <summary>Computes the set-level values (means, FID) and releases the models. Call once, after the last image.</summary>
    public PerceptualSetScores Finish()
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        var means = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var m in Requested.Where(m => m != PerceptualMetrics.Fid && !_unavailable.ContainsKey(m)))
            if (_images.Count > 0)
                means[m] = m == PerceptualMetrics.Artifact
                    ? LdlArtifactMap.SetScore(_images.Select(i => i.Values[m]))
                    : _images.Average(i => i.Values[m]);
        if (_fid is not null)
        {
            FlushFid();
            if (_fidCount < 2)
                _unavailable[PerceptualMetrics.Fid] = $"FID needs at least 2 images per set to estimate a covariance; this set has {_fidCount}.";
            else
            {
                var sr = GaussianStatistics.FromFeatures(_featSr.ToArray(), _fidCount, _fidDim);
                var gt = GaussianStatistics.FromFeatures(_featGt.ToArray(), _fidCount, _fidDim);
                var r = FrechetDistance.Compute(sr, gt, _fid.Options);
                means[PerceptualMetrics.Fid] = r.Distance;
                _warnings.AddRange(r.Warnings.Select(w => $"{PerceptualMetrics.Fid}: {w}"));
            }
        }
        Dispose();
        return new PerceptualSetScores(Requested, [.. _images], means,
            new Dictionary<string, string>(Requested.Where(_unavailable.ContainsKey).Select(m => KeyValuePair.Create(m, _unavailable[m]))),
            [.. _warnings]);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_finished) return;
        _finished = true;
        _fid?.Dispose();
        _lpips?.Dispose();
        _maniqa?.Dispose();
    }

    private void FlushFid()
    {
        if (_fid is null || _pendingSr.Count == 0) return;
        Append(_fid.Extractor.Extract(_pendingSr), _featSr);
        Append(_fid.Extractor.Extract(_pendingGt), _featGt);
        _fidCount += _pendingSr.Count;
        _pendingSr.Clear();
        _pendingGt.Clear();
    }

    private void Append(FeatureMatrix f, List<float> into)
    {
        if (_fidDim == 0) _fidDim = f.Dimension;
        else if (f.Dimension != _fidDim)
            throw new InvalidDataException($"The FID feature network returned {f.Dimension} features after {_fidDim}.");
        into.AddRange(f.Data);
    }

    private static PerceptualImage ToRgb(PerceptualImage image)
    {
        if (image.Channels == 3) return image;
        if (image.Channels != 1)
            throw new ArgumentException($"The perceptual networks need gray or RGB images; got {image.Channels} channels.", nameof(image));
        var p = image.Plane(0);
        return PerceptualImage.FromPlanes([p, p, p], image.Height, image.Width);
    }
}
