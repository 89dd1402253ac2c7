using System.Diagnostics;

namespace SamDiffSR.Training;

/// <summary>
/// Builds the batches of steps [start, end) ahead of the training step on background threads, as managed arrays
/// (<see cref="SrBatchArrays"/>; tensors are made on the training thread by <see cref="SrBatchArrays.ToBatch"/>).
/// Each batch is a pure function of (seed, step) (<see cref="SrPatchSampler"/>), so the order in which workers finish
/// does not matter: <see cref="Take"/> returns exactly the batch the synchronous path would. At most
/// <c>capacity</c> batches are built but not yet taken (bounded memory). With 0 workers it builds each batch
/// synchronously in <see cref="Take"/>.
/// </summary>
public sealed class PrefetchingBatchLoader : IDisposable
{
    private readonly SrPatchSampler _sampler;
    private readonly int _batchSize;
    private readonly long _seed, _end;
    private readonly bool _withMasks;
    private readonly Dictionary<long, SrBatchArrays> _ready = [];
    private readonly object _gate = new();
    private readonly SemaphoreSlim _free;
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread[] _workers;
    private long _next, _expected;
    private Exception? _error;
    private bool _disposed;

    /// <param name="sampler">Batch cutter.</param>
    /// <param name="start">First step.</param>
    /// <param name="end">One past the last step.</param>
    /// <param name="batchSize">Batch size.</param>
    /// <param name="seed">Run seed.</param>
    /// <param name="withMasks">Include SPE maps.</param>
    /// <param name="workers">Background threads (0 = synchronous).</param>
    /// <param name="capacity">Batches built ahead at most (default 2 per worker, at least 2).</param>
    public PrefetchingBatchLoader(SrPatchSampler sampler, long start, long end, int batchSize, long seed, bool withMasks, int workers = 1, int capacity = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(workers);
        _sampler = sampler; _batchSize = batchSize; _seed = seed; _withMasks = withMasks;
        _next = _expected = start; _end = end;
        Workers = workers;
        Capacity = capacity > 0 ? capacity : Math.Max(2, 2 * workers);
        _free = new SemaphoreSlim(Capacity, Capacity);
        _workers = new Thread[workers];
        for (int w = 0; w < workers; w++)
        {
            _workers[w] = new Thread(Work) { IsBackground = true, Name = $"batch-prefetch-{w}" };
            _workers[w].Start();
        }
    }

    /// <summary>Background threads.</summary>
    public int Workers { get; }

    /// <summary>Most batches built ahead.</summary>
    public int Capacity { get; }

    /// <summary>Total seconds <see cref="Take"/> has waited for (or, synchronously, built) batches.</summary>
    public double WaitSeconds { get; private set; }

    /// <summary>Batches built but not yet taken (for tests: never above <see cref="Capacity"/>).</summary>
    public int Pending { get { lock (_gate) return _ready.Count; } }

    /// <summary>The batch of <paramref name="step"/>; steps must be taken in order.</summary>
    public SrBatchArrays Take(long step)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (step != _expected) throw new InvalidOperationException($"batches are taken in order: expected step {_expected}, got {step}");
        if (step >= _end) throw new ArgumentOutOfRangeException(nameof(step), $"step {step} is past the loader's end {_end}");
        _expected++;
        var clock = Stopwatch.StartNew();
        try
        {
            if (Workers == 0) return _sampler.GetArrays(step, _batchSize, _seed, _withMasks);
            lock (_gate)
            {
                SrBatchArrays? b;
                while (!_ready.Remove(step, out b))
                {
                    if (_error != null) throw new InvalidOperationException($"preparing the batch of step {step} failed: {_error.Message}", _error);
                    Monitor.Wait(_gate);
                }
                _free.Release();
                return b!;
            }
        }
        finally { WaitSeconds += clock.Elapsed.TotalSeconds; }
    }

    private void Work()
    {
        var ct = _stop.Token;
        try
        {
            while (true)
            {
                _free.Wait(ct);
                long step = Interlocked.Increment(ref _next) - 1;
                if (step >= _end) return;
                var b = _sampler.GetArrays(step, _batchSize, _seed, _withMasks);
                lock (_gate) { _ready[step] = b; Monitor.PulseAll(_gate); }
            }
        }
        catch (OperationCanceledException) { }
        catch (Exception ex)
        {
            lock (_gate) { _error ??= ex; Monitor.PulseAll(_gate); }
        }
    }

    /// <summary>Stops the workers and waits for them.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _stop.Cancel();
        foreach (var t in _workers) t.Join();
        lock (_gate) _ready.Clear();
        _stop.Dispose();
        _free.Dispose();
    }
}
