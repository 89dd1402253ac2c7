namespace SamDiffSR.Masks.Segmenters;

/// <summary>
/// Stable sort of (64-bit key, 32-bit payload) pairs by key, for the edge lists of graph segmentation (the Felzenszwalb
/// segmenter sorts a million edges per 0.3-megapixel image by the IEEE-754 bits of their weights).
/// <para><b>How.</b> An LSD radix sort with 8-bit digits on the <i>high</i> 32 key bits only (4 passes, constant digits
/// skipped), which is stable, followed by a pass over the runs of equal high halves that orders each run by its low 32
/// bits, stably (insertion sort for short runs, a sort on (low half, position) for long ones). The result is the
/// stable order by the full key, with half the scatter passes of a full LSD sort: for edge weights the high half
/// (sign, exponent and 20 mantissa bits) already separates almost every pair, so the runs are short, and equal weights
/// (flat image regions) form runs that are already in order.</para>
/// <para>The memory traffic matters more than the instruction count here: each scatter pass reads and writes every
/// pair, and with several segmentation workers on one machine those passes compete for the shared cache and memory
/// bandwidth (docs/benchmarks.md).</para>
/// </summary>
public static class StableKeySort
{
    private const int Bits = 8, Buckets = 1 << Bits, HighDigits = 32 / Bits;
    private const int InsertionLimit = 32;

    /// <summary>
    /// Sorts the first <paramref name="count"/> pairs stably by key. <paramref name="keys2"/> and <paramref name="payload2"/>
    /// are work arrays of at least that length; on return <paramref name="keys"/> and <paramref name="payload"/> refer to
    /// whichever arrays hold the sorted pairs (the others hold garbage).
    /// </summary>
    public static void Sort(int count, ref ulong[] keys, ref uint[] payload, ulong[] keys2, uint[] payload2)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(payload);
        ArgumentNullException.ThrowIfNull(keys2);
        ArgumentNullException.ThrowIfNull(payload2);
        if (count < 0 || count > keys.Length || count > payload.Length || count > keys2.Length || count > payload2.Length)
            throw new ArgumentOutOfRangeException(nameof(count), count, "count must fit every array");
        if (count < 2) return;

        // 1. LSD radix sort on bits 32..63 (stable).
        Span<int> counts = stackalloc int[HighDigits * Buckets];
        counts.Clear();
        for (int i = 0; i < count; i++)
        {
            uint high = (uint)(keys[i] >> 32);
            for (int d = 0; d < HighDigits; d++) counts[d * Buckets + (int)((high >> (d * Bits)) & (Buckets - 1))]++;
        }
        var k2 = keys2;
        var p2 = payload2;
        for (int d = 0; d < HighDigits; d++)
        {
            var cnt = counts.Slice(d * Buckets, Buckets);
            int shift = 32 + d * Bits;
            if (cnt[(int)((keys[0] >> shift) & (Buckets - 1))] == count) continue;   // digit constant
            int sum = 0;
            for (int b = 0; b < Buckets; b++) { int t = cnt[b]; cnt[b] = sum; sum += t; }
            for (int i = 0; i < count; i++)
            {
                ulong key = keys[i];
                int dst = cnt[(int)((key >> shift) & (Buckets - 1))]++;
                k2[dst] = key;
                p2[dst] = payload[i];
            }
            (keys, k2) = (k2, keys);
            (payload, p2) = (p2, payload);
        }

        // 2. Order every run of equal high halves by the low halves, stably (the run is in original order after step 1).
        ulong[]? order = null;
        for (int start = 0; start < count;)
        {
            uint high = (uint)(keys[start] >> 32);
            int end = start + 1;
            while (end < count && (uint)(keys[end] >> 32) == high) end++;
            int len = end - start;
            if (len <= InsertionLimit)
            {
                for (int i = start + 1; i < end; i++)
                {
                    ulong key = keys[i];
                    uint pl = payload[i];
                    int j = i - 1;
                    while (j >= start && keys[j] > key) { keys[j + 1] = keys[j]; payload[j + 1] = payload[j]; j--; }
                    keys[j + 1] = key;
                    payload[j + 1] = pl;
                }
            }
            else
            {
                // (low half, position in the run) is unique, so an unstable sort of it gives the stable order.
                if (order is null || order.Length < len) order = new ulong[Math.Max(len, 1024)];
                for (int i = 0; i < len; i++) order[i] = ((keys[start + i] & 0xFFFF_FFFFUL) << 32) | (uint)i;
                Array.Sort(order, 0, len);
                for (int i = 0; i < len; i++) { k2[i] = keys[start + i]; p2[i] = payload[start + i]; }
                for (int i = 0; i < len; i++)
                {
                    int from = (int)(uint)order[i];
                    keys[start + i] = k2[from];
                    payload[start + i] = p2[from];
                }
            }
            start = end;
        }
    }
}
