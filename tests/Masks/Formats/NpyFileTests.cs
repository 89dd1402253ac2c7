using System.Buffers.Binary;
using System.Text;
using SamDiffSR.Masks;
using Xunit;
using SamDiffSR.Masks.Formats;

namespace SamDiffSR.Tests.Masks.Formats;

public class NpyFileTests
{
    /// <summary>A version-1.0 file with an arbitrary header dict (padded to 64 like NumPy) and payload.</summary>
    private static byte[] NpyBytes(string dict, byte[] payload)
    {
        int pad = 64 - (10 + dict.Length + 1) % 64;
        var header = dict + new string(' ', pad) + "\n";
        var ms = new MemoryStream();
        ms.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
        var len = new byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(len, (ushort)header.Length);
        ms.Write(len);
        ms.Write(Encoding.ASCII.GetBytes(header));
        ms.Write(payload);
        return ms.ToArray();
    }

    [Fact]
    public void Header_IsByteExactNumpy()
    {
        // np.save(f, np.zeros((3, 4), np.float32)) with NumPy >= 1.21 writes this 128-byte header:
        // magic, version 1.0, header length 118 (0x76 0x00), the dict, 21 − len("3") = 20 growth spaces plus
        // 38 alignment spaces, then '\n'; the data start at byte 128.
        string expected = "\u0093NUMPY\u0001\u0000v\u0000" +
                          "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }" + new string(' ', 58) + "\n";
        var actual = NpyFile.HeaderBytes(3, 4);
        Assert.Equal(128, actual.Length);
        Assert.Equal(expected, Encoding.Latin1.GetString(actual));

        var big = NpyFile.HeaderBytes(1356, 2040); // a DIV2K-sized map: still a 128-byte header
        Assert.Equal(128, big.Length);
        Assert.EndsWith("(1356, 2040), }" + new string(' ', 17 + 35) + "\n", Encoding.Latin1.GetString(big));
        // 10 rows, 5-digit width: 64-byte multiple either way
        Assert.Equal(0, NpyFile.HeaderBytes(10, 99999).Length % 64);
    }

    [Fact]
    public void RoundTrip_AndDataLayout()
    {
        var values = Enumerable.Range(0, 12).Select(i => i * 0.5f - 1.25f).ToArray();
        var map = new SpeMap(3, 4, values);
        using var tmp = new TempDir();
        string path = tmp.Sub("a.npy");
        NpyFile.Write(path, map);
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(128 + 12 * 4, bytes.Length);
        // C order, little-endian float32: element (0, 1) = -0.75 = 0xBF400000
        Assert.Equal(new byte[] { 0x00, 0x00, 0x40, 0xBF }, bytes[132..136]);
        var back = NpyFile.Read(path);
        Assert.Equal((3, 4), (back.Height, back.Width));
        Assert.Equal(values, back.ToArray());
        Assert.Empty(Directory.GetFiles(tmp.Path, "*.tmp")); // atomic write leaves no temp file
        var h = NpyFile.ReadHeader(path);
        Assert.Equal("<f4", h.Descr);
        Assert.False(h.FortranOrder);
        Assert.Equal(new long[] { 3, 4 }, h.Shape);
        Assert.Equal(128, h.DataOffset);
    }

    [Fact]
    public void ReadsFloat64_AndFortranOrder()
    {
        var f8 = new byte[6 * 8];
        for (int i = 0; i < 6; i++) BinaryPrimitives.WriteDoubleLittleEndian(f8.AsSpan(i * 8), i + 0.25);
        var m = NpyFile.Read(new MemoryStream(NpyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", f8)), "f8.npy");
        Assert.Equal(new[] { 0.25f, 1.25f, 2.25f, 3.25f, 4.25f, 5.25f }, m.ToArray());

        var f4 = new byte[6 * 4];
        for (int i = 0; i < 6; i++) BinaryPrimitives.WriteSingleLittleEndian(f4.AsSpan(i * 4), i);
        var fm = NpyFile.Read(new MemoryStream(NpyBytes("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", f4)), "f.npy");
        // column-major storage 0..5 -> rows [0, 2, 4], [1, 3, 5]
        Assert.Equal(new[] { 0f, 2f, 4f, 1f, 3f, 5f }, fm.ToArray());
    }

    [Fact]
    public void ObjectArray_None_GivesExplainedError()
    {
        // np.save(path, None): a 0-d object array followed by a pickle
        var bytes = NpyBytes("{'descr': '|O', 'fortran_order': False, 'shape': (), }", [0x80, 0x02, 0x4E, 0x2E]);
        var ex = Assert.Throws<InvalidDataException>(() => NpyFile.Read(new MemoryStream(bytes), "0001.npy"));
        Assert.Contains("0001.npy", ex.Message);
        Assert.Contains("None", ex.Message);
        Assert.Contains("masks encode", ex.Message);
        Assert.True(NpyFile.ReadHeader(new MemoryStream(bytes), "x").IsObjectArray);
    }

    [Theory]
    [InlineData("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }", 16, "'<i4' is not supported")]
    [InlineData("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 2), }", 16, "'>f4' is not supported")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 2), }", 16, "3 dimension(s)")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", 16, "1 dimension(s)")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", 10, "truncated")]
    [InlineData("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", 8, "cannot parse")]
    public void WrongDtypeNdimOrLength_GivesClearErrors(string dict, int payload, string expected)
    {
        var ex = Assert.Throws<InvalidDataException>(() => NpyFile.Read(new MemoryStream(NpyBytes(dict, new byte[payload])), "bad.npy"));
        Assert.Contains("bad.npy", ex.Message);
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void NotNpy_AndMissingFile()
    {
        var ex = Assert.Throws<InvalidDataException>(() => NpyFile.Read(new MemoryStream("PK\u0003\u0004xxxxxxxx"u8.ToArray()), "x.npz"));
        Assert.Contains("magic", ex.Message);
        Assert.Throws<FileNotFoundException>(() => NpyFile.Read("/nonexistent/m.npy"));
        Assert.Throws<InvalidDataException>(() => NpyFile.Read(new MemoryStream(NpyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", [])[..20]), "cut.npy"));
    }
}
