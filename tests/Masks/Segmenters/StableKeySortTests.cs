using SamDiffSR.Masks.Segmenters;
using Xunit;

namespace SamDiffSR.Tests.Masks.Segmenters;

/// <summary>The edge sort: the stable order by the full 64-bit key (checked against LINQ's stable OrderBy).</summary>
public class StableKeySortTests
{
    private static void Check(ulong[] input, int count)
    {
        var keys = (ulong[])input.Clone();
        var payload = Enumerable.Range(0, input.Length).Select(i => (uint)i).ToArray();
        var want = Enumerable.Range(0, count).OrderBy(i => input[i]).ToArray();   // stable: ties keep index order
        StableKeySort.Sort(count, ref keys, ref payload, new ulong[input.Length], new uint[input.Length]);
        Assert.Equal(want.Select(i => input[i]), keys.Take(count));
        Assert.Equal(want.Select(i => (uint)i), payload.Take(count));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(1000)]
    [InlineData(70_000)]
    public void RandomKeys_SortStably(int n)
    {
        var rng = new Random(n + 1);
        var keys = new ulong[n + 5];                   // longer than count: the tail must stay out of it
        for (int i = 0; i < keys.Length; i++) keys[i] = (ulong)rng.NextInt64();
        Check(keys, n);
    }

    [Fact]
    public void ManyEqualHighHalves_LongAndShortRuns_WithTies_SortStably()
    {
        var rng = new Random(7);
        var keys = new ulong[20_000];
        for (int i = 0; i < keys.Length; i++)
        {
            ulong high = (ulong)rng.Next(0, i % 3 == 0 ? 3 : 400);            // a few huge runs and many short ones
            ulong low = (ulong)rng.Next(0, i % 5 == 0 ? 4 : int.MaxValue);    // many exact ties within runs
            keys[i] = (high << 32) | low;
        }
        Check(keys, keys.Length);
        Check(new ulong[5000], 5000);                                          // all equal (zero weights)
        Check(Enumerable.Range(0, 3000).Select(i => (ulong)(3000 - i)).ToArray(), 3000);   // one run, reversed low halves
    }

    [Fact]
    public void EdgeWeightsOfDoubles_SortByValue()
    {
        var rng = new Random(3);
        var w = Enumerable.Range(0, 50_000).Select(i => i % 7 == 0 ? 0.0 : Math.Sqrt(rng.NextDouble() * 3) * (i % 11 == 0 ? 1e-9 : 1)).ToArray();
        var keys = w.Select(BitConverter.DoubleToUInt64Bits).ToArray();
        Check(keys, keys.Length);
    }

    [Fact]
    public void ArraysShorterThanCount_AreRefused()
    {
        ulong[] k = new ulong[3];
        uint[] p = new uint[3];
        Assert.Throws<ArgumentOutOfRangeException>(() => StableKeySort.Sort(4, ref k, ref p, new ulong[4], new uint[4]));
        Assert.Throws<ArgumentOutOfRangeException>(() => StableKeySort.Sort(3, ref k, ref p, new ulong[2], new uint[3]));
    }
}
