using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace SamDiffSR.IO;

/// <summary>
/// Writes a state dict (ordered name → tensor) in PyTorch's zip serialization format, readable by
/// <c>torch.load</c> (PyTorch ≥ 1.6) and by TorchSharp.PyBridge's unpickler. The archive holds
/// <c>archive/version</c> ("3"), <c>archive/data.pkl</c> (a protocol-2 pickle of
/// <c>collections.OrderedDict</c> whose values are <c>torch._utils._rebuild_tensor_v2</c> calls with persistent
/// storage ids) and one raw little-endian entry <c>archive/data/i</c> per tensor.
/// <para>
/// Written here rather than through TorchSharp.PyBridge's pickler, which fails inside .NET Interactive kernels
/// (Razorvine falls back to reflection-pickling the tensor object there: "cannot pickle object"), so that training
/// in notebooks can write checkpoints. Loading still uses PyBridge's unpickler.
/// </para>
/// </summary>
public static class PyTorchStateDictWriter
{
    /// <summary>Writes <paramref name="stateDict"/> (insertion order kept) to <paramref name="stream"/>.</summary>
    public static void Write(Stream stream, IEnumerable<KeyValuePair<string, Tensor>> stateDict, string archiveName = "archive")
    {
        var items = stateDict.ToList();
        using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
        using (var w = new StreamWriter(zip.CreateEntry($"{archiveName}/version", CompressionLevel.NoCompression).Open(), new UTF8Encoding(false)))
            w.Write("3\n");
        var pkl = new MemoryStream();
        pkl.WriteByte(0x80); pkl.WriteByte(2);                        // PROTO 2
        Global(pkl, "collections", "OrderedDict");
        pkl.WriteByte((byte)')'); pkl.WriteByte((byte)'R');          // EMPTY_TUPLE, REDUCE -> OrderedDict()
        if (items.Count > 0)
        {
            pkl.WriteByte((byte)'(');                                  // MARK
            for (int i = 0; i < items.Count; i++)
            {
                var (name, t) = (items[i].Key, items[i].Value);
                using var scope = NewDisposeScope();
                var cpu = t.detach().to(CPU).contiguous();
                Unicode(pkl, name);
                Global(pkl, "torch._utils", "_rebuild_tensor_v2");
                pkl.WriteByte((byte)'(');                              // MARK (args)
                pkl.WriteByte((byte)'(');                              // MARK (persistent id tuple)
                Unicode(pkl, "storage");
                Global(pkl, "torch", StorageName(cpu.dtype));
                Unicode(pkl, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
                Unicode(pkl, "cpu");
                Int(pkl, cpu.numel());
                pkl.WriteByte((byte)'t');                              // TUPLE
                pkl.WriteByte((byte)'Q');                              // BINPERSID
                Int(pkl, 0);                                           // storage offset
                IntTuple(pkl, cpu.shape);
                IntTuple(pkl, cpu.stride());
                pkl.WriteByte(0x89);                                   // NEWFALSE (requires_grad)
                Global(pkl, "collections", "OrderedDict");
                pkl.WriteByte((byte)')'); pkl.WriteByte((byte)'R');    // backward hooks: OrderedDict()
                pkl.WriteByte((byte)'t');                              // TUPLE (args)
                pkl.WriteByte((byte)'R');                              // REDUCE
                var bytes = cpu.bytes.ToArray();                       // native order = little-endian on x64/arm64
                if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("big-endian hosts are not supported");
                using var data = zip.CreateEntry($"{archiveName}/data/{i}", CompressionLevel.NoCompression).Open();
                data.Write(bytes, 0, bytes.Length);
            }
            pkl.WriteByte((byte)'u');                                  // SETITEMS
        }
        pkl.WriteByte((byte)'.');                                      // STOP
        using var entry = zip.CreateEntry($"{archiveName}/data.pkl", CompressionLevel.NoCompression).Open();
        pkl.Position = 0;
        pkl.CopyTo(entry);
    }

    private static string StorageName(ScalarType t) => t switch
    {
        ScalarType.Float32 => "FloatStorage",
        ScalarType.Float64 => "DoubleStorage",
        ScalarType.Float16 => "HalfStorage",
        ScalarType.BFloat16 => "BFloat16Storage",
        ScalarType.Int64 => "LongStorage",
        ScalarType.Int32 => "IntStorage",
        ScalarType.Int16 => "ShortStorage",
        ScalarType.Int8 => "CharStorage",
        ScalarType.Byte => "ByteStorage",
        ScalarType.Bool => "BoolStorage",
        _ => throw new NotSupportedException($"tensor dtype {t} cannot be written to a PyTorch state dict here"),
    };

    private static void Global(Stream s, string module, string name)
    {
        s.WriteByte((byte)'c');
        var b = Encoding.ASCII.GetBytes($"{module}\n{name}\n");
        s.Write(b, 0, b.Length);
    }

    private static void Unicode(Stream s, string v)
    {
        var b = Encoding.UTF8.GetBytes(v);
        Span<byte> len = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(len, (uint)b.Length);
        s.WriteByte((byte)'X');                                        // BINUNICODE
        s.Write(len);
        s.Write(b, 0, b.Length);
    }

    private static void Int(Stream s, long v)
    {
        Span<byte> buf = stackalloc byte[8];
        if (v >= int.MinValue && v <= int.MaxValue)
        {
            s.WriteByte((byte)'J');                                    // BININT (4-byte signed)
            BinaryPrimitives.WriteInt32LittleEndian(buf, (int)v);
            s.Write(buf[..4]);
        }
        else
        {
            s.WriteByte(0x8a); s.WriteByte(8);                         // LONG1, 8 bytes two's complement
            BinaryPrimitives.WriteInt64LittleEndian(buf, v);
            s.Write(buf);
        }
    }

    private static void IntTuple(Stream s, long[] values)
    {
        if (values.Length == 0) { s.WriteByte((byte)')'); return; }    // EMPTY_TUPLE
        s.WriteByte((byte)'(');
        foreach (var v in values) Int(s, v);
        s.WriteByte((byte)'t');
    }
}
