using System.Text;

namespace SamDiffSR.Masks.Formats;

/// <summary>
/// The compressed string form of COCO run-length counts, as pycocotools writes it (C function
/// <c>rleToString</c> in cocoapi common/maskApi.c, the format of the <c>counts</c> field in SAM's
/// <c>amg.py --convert-to-rle</c> JSON). Written from the documented scheme:
/// <list type="bullet">
/// <item>counts from index 3 on are delta-coded against the count two places earlier
/// (<c>x = counts[i] − counts[i−2]</c> for i &gt; 2), so they may be negative;</item>
/// <item>each value is cut into signed 5-bit groups, least significant first; a group gets the
/// continuation bit 0x20 while more groups follow, and the last group's bit 0x10 is its sign;</item>
/// <item>each group (0..63) is written as the ASCII character <c>group + 48</c> ('0'..'o').</item>
/// </list>
/// Example: counts [2, 5, 4, 1] give "254L" (the last value is 1 − 5 = −4 = 0b11100 → 28 + 48 = 'L');
/// a count of 20 needs two groups, "d0", because 20 has bit 0x10 set and would otherwise read as negative.
/// </summary>
public static class CocoRle
{
    /// <summary>Decodes a pycocotools compressed counts string into an H×W mask (counts are column-major).</summary>
    public static BinaryMask ToMask(int height, int width, string counts, string source = "mask") =>
        BinaryMask.FromCounts(height, width, Decompress(counts, source), source);

    /// <summary>The pycocotools compressed counts string of a mask.</summary>
    public static string Compress(BinaryMask mask)
    {
        ArgumentNullException.ThrowIfNull(mask);
        return Compress(mask.Counts);
    }

    /// <summary>Encodes run-length counts (non-negative) to the compressed string.</summary>
    public static string Compress(IReadOnlyList<int> counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var sb = new StringBuilder(counts.Count * 2);
        for (int i = 0; i < counts.Count; i++)
        {
            if (counts[i] < 0) throw new ArgumentException($"run-length count {i} is negative ({counts[i]})", nameof(counts));
            long x = counts[i];
            if (i > 2) x -= counts[i - 2];
            bool more = true;
            while (more)
            {
                int group = (int)(x & 0x1f);
                x >>= 5; // arithmetic shift keeps the sign
                // Stop once the remaining bits are pure sign extension of this group's bit 0x10.
                more = (group & 0x10) != 0 ? x != -1 : x != 0;
                if (more) group |= 0x20;
                sb.Append((char)(group + 48));
            }
        }
        return sb.ToString();
    }

    /// <summary>
    /// Decodes a compressed counts string. Throws <see cref="InvalidDataException"/> for characters outside
    /// '0'..'o', a string that ends inside a value, or a count that is negative or too large.
    /// </summary>
    /// <param name="s">The compressed string.</param>
    /// <param name="source">Where the string came from (file and record), for error messages.</param>
    public static int[] Decompress(string s, string source = "counts")
    {
        ArgumentNullException.ThrowIfNull(s);
        var counts = new List<int>(s.Length);
        int p = 0;
        while (p < s.Length)
        {
            long x = 0;
            int k = 0;
            bool more = true;
            while (more)
            {
                if (p >= s.Length)
                    throw new InvalidDataException($"{source}: compressed RLE string ends inside a value (truncated?); re-export the masks");
                int c = s[p] - 48;
                if (c < 0 || c > 63)
                    throw new InvalidDataException($"{source}: character '{s[p]}' at {p} is not a compressed-RLE character ('0'..'o'); is this really a COCO RLE string?");
                x |= (long)(c & 0x1f) << (5 * k);
                more = (c & 0x20) != 0;
                p++; k++;
                if (!more && (c & 0x10) != 0) x |= -1L << (5 * k); // sign-extend
                if (k > 12) throw new InvalidDataException($"{source}: compressed RLE value at {p} is too long (corrupt string)");
            }
            if (counts.Count > 2) x += counts[^2];
            if (x < 0 || x > int.MaxValue)
                throw new InvalidDataException($"{source}: decoded run-length count {counts.Count} is {x}, outside 0..{int.MaxValue} (corrupt string)");
            counts.Add((int)x);
        }
        return counts.ToArray();
    }
}
