using SamDiffSR.Data;
using SamDiffSR.Masks;
using SamDiffSR.Tests.Masks;
using static SamDiffSR.Tests.Training.TrainingTestData;
using SamDiffSR.Masks.Spe;
using SamDiffSR.Masks.Formats;

namespace SamDiffSR.Tests.Training;

/// <summary>
/// A small HR folder with SPE maps exercising every pack path: a width that is not a multiple of 4 (modcrop), a
/// gray image, an image smaller than a 16-px patch (skipped), maps with few (palette8), hundreds (palette16) and
/// more than 65,536 (raw float32) distinct values, maps one pixel larger than the image (trimmed).
/// </summary>
internal static class TrainingPackFixture
{
    public static (string Hr, string Masks) Create(TempDir dir)
    {
        string hr = dir.Sub("hr"), masks = dir.Sub("masks");
        Directory.CreateDirectory(hr); Directory.CreateDirectory(masks);
        void Add(string name, ImageU8 img, Func<int, int, float> value, int extra = 0)
        {
            ImageIO.SavePng(img, Path.Combine(hr, name));
            int h = img.Height + extra, w = img.Width + extra;
            var v = new float[h * w];
            for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) v[y * w + x] = value(y, x);
            NpyFile.Write(Path.Combine(masks, Path.GetFileNameWithoutExtension(name) + ".npy"), new SpeMap(h, w, v));
        }
        Add("a.png", Textured(70, 86, 1), (y, x) => (float)(0.2 * ((x / 12 + y / 10) % 4) - 0.3), extra: 1);
        Add("b.png", Textured(64, 64, 2), (y, x) => (y * 64 + x) % 300 * 0.001f);
        var g = Textured(48, 52, 3);
        var gray = new ImageU8(48, 52, 1, Enumerable.Range(0, 48 * 52).Select(i => g.Data[3 * i]).ToArray());
        Add("c_gray.png", gray, (y, x) => x < 20 ? 0.5f : -0.25f);
        Add("d_small.png", Textured(12, 40, 4), (_, _) => 0.1f);
        var rng = new Random(5);
        Add("e.png", Textured(260, 264, 5), (_, _) => (float)rng.NextDouble());
        return (hr, masks);
    }

    public static MaskStore Store(string masks) => new(masks, new MaskStoreOptions(ShapeMismatch: ShapeMismatchPolicy.TrimToImage));
}
