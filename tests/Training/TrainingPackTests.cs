using System.Text;
using SamDiffSR.Data;
using SamDiffSR.Diffusion;
using SamDiffSR.Masks;
using SamDiffSR.Runtime;
using SamDiffSR.Tests.Masks;
using SamDiffSR.Training;
using SamDiffSR.Training.Packs;
using Xunit;
using Xunit.Abstractions;
using SamDiffSR.Masks.Spe;

namespace SamDiffSR.Tests.Training;

/// <summary>
/// <see cref="TrainingPack"/> (issue 14): round trip of HR/LR/SPE, batches bit-identical to the in-memory
/// <see cref="SrPatchDataset"/> (both LR-up recipes, both SPE alignments, T91), why LR-up needs a margin, corrupt and
/// truncated files, resume of an interrupted build, and the DIV2K / Flickr2K layouts.
/// </summary>
public class TrainingPackTests(ITestOutputHelper output)
{
    private const int S = 4;

    private static bool Same(float[]? a, float[]? b) =>
        a is null ? b is null : b is not null && a.AsSpan().SequenceEqual(b); // bitwise for non-NaN floats

    private static (string Pack, SrPatchDataset Memory) Build(TempDir dir, LrUpRecipe recipe, PatchOptions patch, bool masks = true)
    {
        var (hr, mk) = TrainingPackFixture.Create(dir);
        var store = masks ? TrainingPackFixture.Store(mk) : null;
        var r = TrainingPackBuilder.Build(HrDatasetLayout.Resolve(hr, S), dir.Sub("p.srpack"), new TrainingPackOptions(S, store));
        Assert.False(r.Reused);
        return (r.Path, SrPatchDataset.Load(hr, S, patch, recipe, store));
    }

    [Fact]
    public void Pack_RoundTrip_HoldsExactlyTheInMemoryImages()
    {
        foreach (var recipe in new[] { LrUpRecipe.Official, LrUpRecipe.MatlabExact })
        {
            using var dir = new TempDir();
            var (path, mem) = Build(dir, recipe, new PatchOptions(8));
            using var pack = TrainingPack.Open(path, recipe);
            Assert.Equal(mem.Count, pack.Count);
            for (int i = 0; i < pack.Count; i++)
            {
                var m = mem.Images[i];
                Assert.Equal(m.Name, pack.Name(i));
                Assert.Equal((m.Hr.Height, m.Hr.Width), pack.Size(i));
                Assert.Equal(m.Hr.Data, pack.Hr(i).Data);
                Assert.Equal(m.Lr.Data, pack.Lr(i).Data);
                Assert.True(m.Mask!.Values.SequenceEqual(pack.Mask(i).Values), m.Name);
                Assert.Equal(m.LrUp.Data, pack.LrUpCrop(i, 0, 0, m.Hr.Height, m.Hr.Width).Data); // whole image through the window path
            }
            Assert.Equal((68, 84), pack.Size(0)); // 70x86 modcropped
            var kinds = pack.Index.Images.Select(e => e.Mask).ToHashSet();
            Assert.Equal(new[] { PackMaskKind.Palette8, PackMaskKind.Palette16, PackMaskKind.Float32 }.ToHashSet(), kinds);
            // uint8 HR + LR + 1-2 byte SPE: far below the 57 bytes per HR pixel of the in-memory float64 images.
            output.WriteLine($"{recipe}: {pack.FileLength} bytes for {pack.HrPixels} HR px = {(double)pack.FileLength / pack.HrPixels:F2} B/px (e.png has raw float32 SPE)");
            Assert.True(pack.FileLength < 8.5 * pack.HrPixels);
        }
    }

    [Theory]
    [InlineData(LrUpRecipe.Official, MaskAlignment.Aligned, SpeReduce.AllSameToZero)]
    [InlineData(LrUpRecipe.MatlabExact, MaskAlignment.Aligned, SpeReduce.ZScore)]
    [InlineData(LrUpRecipe.Official, MaskAlignment.OfficialMisaligned, SpeReduce.None)]
    public void Batches_FromPack_AreBitIdenticalToInMemory(LrUpRecipe recipe, MaskAlignment alignment, SpeReduce reduce)
    {
        using var dir = new TempDir();
        var patch = new PatchOptions(16, Flips: true, Rotations: true, alignment, reduce);
        var (path, mem) = Build(dir, recipe, patch);
        using var pack = TrainingPack.Open(path, recipe);
        var skipped = new List<string>();
        var packed = SrPatchSampler.SkippingSmall(pack, patch, skipped.Add);
        Assert.Equal(mem.Skipped, packed.Skipped);
        Assert.Equal(["d_small.png"], mem.Skipped);
        Assert.Single(skipped);
        for (long step = 0; step < 40; step++)
        {
            var a = mem.Sampler.GetArrays(step, 3, seed: 5, withMasks: true);
            var b = packed.GetArrays(step, 3, seed: 5, withMasks: true);
            Assert.True(Same(a.Hr, b.Hr) && Same(a.Lr, b.Lr) && Same(a.LrUp, b.LrUp) && Same(a.Mask, b.Mask), $"step {step} differs");
        }
    }

    [Fact]
    public void T91_LrUpWindows_AndBatches_AreBitIdentical()
    {
        using var dir = new TempDir();
        var hr = dir.Sub("t91");
        Directory.CreateDirectory(hr);
        foreach (var f in Directory.GetFiles(TestPaths.Data("train", "T91"), "t*.png").Order(StringComparer.Ordinal).Take(5))
            File.Copy(f, Path.Combine(hr, Path.GetFileName(f)));
        var path = TrainingPackBuilder.Build(HrDatasetLayout.Resolve(hr, S), dir.Sub("t91.srpack"), new TrainingPackOptions(S)).Path;
        foreach (var recipe in new[] { LrUpRecipe.Official, LrUpRecipe.MatlabExact })
        {
            var patch = new PatchOptions(48, Flips: true, Rotations: true);
            var mem = SrPatchDataset.Load(hr, S, patch, recipe, null);
            using var pack = TrainingPack.Open(path, recipe);
            // Every scale-aligned 48-px LR-up window of the first image, borders included.
            var img = mem.Images[0];
            for (int top = 0; top + 48 <= img.Hr.Height; top += S)
                for (int left = 0; left + 48 <= img.Hr.Width; left += S)
                    Assert.Equal(InMemoryImageSource.CropF64(img.LrUp, top, left, 48, 48).Data, pack.LrUpCrop(0, top, left, 48, 48).Data);
            var packed = SrPatchSampler.SkippingSmall(pack, patch);
            for (long step = 0; step < 30; step++)
            {
                var a = mem.Sampler.GetArrays(step, 4, 3, false);
                var b = packed.GetArrays(step, 4, 3, false);
                Assert.True(Same(a.Hr, b.Hr) && Same(a.Lr, b.Lr) && Same(a.LrUp, b.LrUp), $"{recipe} step {step} differs");
            }
        }
    }

    /// <summary>
    /// Why the pack keeps the whole image's LR and recomputes LR-up with a margin: the bicubic kernels cross the crop
    /// border, so resizing a crop is not the crop of the resized image (measured here on a T91 image).
    /// </summary>
    [Fact]
    public void NaiveCropThenResize_DiffersFromResizeThenCrop()
    {
        var hr = ImageOps.Modcrop(ImageIO.Load(Directory.GetFiles(TestPaths.Data("train", "T91"), "t1*.png").Order(StringComparer.Ordinal).First()).ToRgb(), S);
        int top = 16, left = 16, p = 48;
        var lrWhole = MatlabResize.Downscale(hr, S);
        var lrOfCrop = MatlabResize.Downscale(hr.Crop(top, left, p, p), S);
        var lrCrop = lrWhole.Crop(top / S, left / S, p / S, p / S);
        int lrDiff = lrOfCrop.Data.Zip(lrCrop.Data).Max(t => Math.Abs(t.First - t.Second));
        var upWhole = InMemoryImageSource.CropF64(LrUpRecipes.Apply(LrUpRecipe.Official, lrWhole, S), top, left, p, p);
        var upOfCrop = LrUpRecipes.Apply(LrUpRecipe.Official, lrCrop, S);
        double upDiff = upWhole.Data.Zip(upOfCrop.Data).Max(t => Math.Abs(t.First - t.Second));
        output.WriteLine($"LR of the HR crop vs crop of the LR: max |diff| {lrDiff} grey levels; LR-up of the LR crop vs crop of LR-up: max |diff| {upDiff * 255:F2} grey levels");
        Assert.True(lrDiff > 0);
        Assert.True(upDiff > 0);
    }

    private static string CopyOf(string path, string name)
    {
        var p = Path.Combine(Path.GetDirectoryName(path)!, name);
        File.Copy(path, p, overwrite: true);
        return p;
    }

    private static void AssertOneLineError(string path, string expected, Action open)
    {
        var ex = Assert.Throws<InvalidDataException>(open);
        Assert.Contains(path, ex.Message);
        Assert.Contains(expected, ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void CorruptOrTruncatedPack_FailsWithAOneLineErrorNamingTheFile()
    {
        using var dir = new TempDir();
        var (path, _) = Build(dir, LrUpRecipe.Official, new PatchOptions(16));
        var index = TrainingPack.ReadIndex(path);
        var b = index.Images[1];

        var flipped = CopyOf(path, "flipped.srpack");
        using (var fs = new FileStream(flipped, FileMode.Open))
        {
            fs.Position = b.Offset + b.Length / 2;
            int v = fs.ReadByte(); fs.Position--; fs.WriteByte((byte)(v ^ 1));
        }
        AssertOneLineError(flipped, "record 1 (b.png) fails its SHA-256 check", () => TrainingPack.Open(flipped));
        using (TrainingPack.Open(flipped, verify: false)) { } // the cheap checks (header, footer, index) pass

        var truncated = CopyOf(path, "truncated.srpack");
        using (var fs = new FileStream(truncated, FileMode.Open)) fs.SetLength(fs.Length - 10);
        AssertOneLineError(truncated, "truncated", () => TrainingPack.Open(truncated, verify: false));

        var badIndex = CopyOf(path, "index.srpack");
        using (var fs = new FileStream(badIndex, FileMode.Open))
        {
            fs.Position = fs.Length - TrainingPack.FooterLength - 20;
            int v = fs.ReadByte(); fs.Position--; fs.WriteByte((byte)(v ^ 4));
        }
        AssertOneLineError(badIndex, "index fails its SHA-256", () => TrainingPack.Open(badIndex, verify: false));

        var foreign = Path.Combine(dir.Path, "foreign.srpack");
        File.WriteAllBytes(foreign, Encoding.ASCII.GetBytes(new string('x', 200)));
        AssertOneLineError(foreign, "not a SamDiffSR training pack", () => TrainingPack.Open(foreign));

        var partial = CopyOf(path, "partial.srpack");
        using (var fs = new FileStream(partial, FileMode.Open)) fs.SetLength(b.Offset + b.Length); // records only, as a killed build leaves them
        AssertOneLineError(partial, "truncated or its build did not finish", () => TrainingPack.Open(partial, verify: false));
    }

    private sealed class CancelAfter(int images, CancellationTokenSource cts) : IProgress<ProgressInfo>
    {
        public void Report(ProgressInfo value) { if (value.Done >= images) cts.Cancel(); }
    }

    [Fact]
    public void InterruptedBuild_ResumesAndGivesTheSamePack()
    {
        using var dir = new TempDir();
        var (hr, mk) = TrainingPackFixture.Create(dir);
        var inputs = HrDatasetLayout.Resolve(hr, S);
        var options = new TrainingPackOptions(S, TrainingPackFixture.Store(mk));
        var straight = TrainingPackBuilder.Build(inputs, dir.Sub("straight.srpack"), options).Path;

        var target = dir.Sub("resumed.srpack");
        using (var cts = new CancellationTokenSource())
            Assert.ThrowsAny<OperationCanceledException>(() => TrainingPackBuilder.Build(inputs, target, options, progress: new CancelAfter(2, cts), cancellationToken: cts.Token));
        Assert.False(File.Exists(target));
        Assert.True(File.Exists(target + ".partial") && File.Exists(target + ".partial.journal"));
        // What a kill -9 in the middle of the third image leaves: a torn journal line and bytes past the last record.
        File.AppendAllText(target + ".partial.journal", "{\"Name\":\"c_gr");
        using (var fs = new FileStream(target + ".partial", FileMode.Append)) fs.Write(new byte[777]);

        var log = new List<string>();
        var r = TrainingPackBuilder.Build(inputs, target, options, log.Add);
        Assert.Equal(2, r.Resumed);
        Assert.Contains(log, l => l.Contains("resuming"));
        Assert.False(File.Exists(target + ".partial") || File.Exists(target + ".partial.journal"));
        var a = TrainingPack.ReadIndex(straight); var b = TrainingPack.ReadIndex(target);
        Assert.Equal(a.Images, b.Images);
        long dataEnd = a.Images[^1].Offset + a.Images[^1].Length;
        Assert.Equal(File.ReadAllBytes(straight).AsSpan(0, (int)dataEnd).ToArray(), File.ReadAllBytes(target).AsSpan(0, (int)dataEnd).ToArray());
        using (TrainingPack.Open(target)) { } // every record's checksum holds

        // Up to date: reused without work; changed input: refused (the user chooses --force or another file).
        Assert.True(TrainingPackBuilder.Build(inputs, target, options).Reused);
        File.SetLastWriteTimeUtc(Path.Combine(hr, "a.png"), DateTime.UtcNow.AddMinutes(-5));
        Assert.Throws<IOException>(() => TrainingPackBuilder.Build(inputs, target, options));
        Assert.False(TrainingPackBuilder.Build(inputs, target, options with { Force = true }).Reused);
    }

    [Fact]
    public void Div2kAndFlickr2kLayouts_AreRecognised_WithTheirReadyMadeLr()
    {
        using var dir = new TempDir();
        var root = dir.Sub("datasets");
        string div = Path.Combine(root, "DIV2K_train_HR"), divLr = Path.Combine(root, "DIV2K_train_LR_bicubic", "X4");
        string fl = Path.Combine(root, "Flickr2K", "Flickr2K_HR"), flLr = Path.Combine(root, "Flickr2K", "Flickr2K_LR_bicubic", "X4");
        string valid = Path.Combine(root, "DIV2K_valid_HR");
        foreach (var d in new[] { div, divLr, fl, flLr, valid }) Directory.CreateDirectory(d);
        var h1 = TrainingTestData.Textured(40, 48, 1); var h2 = TrainingTestData.Textured(44, 36, 2); var h3 = TrainingTestData.Textured(32, 32, 3);
        ImageIO.SavePng(h1, Path.Combine(div, "0001.png"));
        ImageIO.SavePng(h2, Path.Combine(div, "0002.png"));
        ImageIO.SavePng(h3, Path.Combine(fl, "000001.png"));
        ImageIO.SavePng(h3, Path.Combine(valid, "0801.png"));
        ImageIO.SavePng(MatlabResize.Downscale(h1, S), Path.Combine(divLr, "0001x4.png"));
        var lr2 = MatlabResize.Downscale(h2, S); lr2.Data[0] ^= 8; // a ready-made LR that differs from MATLAB-exact in one byte
        ImageIO.SavePng(lr2, Path.Combine(divLr, "0002x4.png"));
        ImageIO.SavePng(MatlabResize.Downscale(h3, S), Path.Combine(flLr, "000001x4.png"));

        var inputs = HrDatasetLayout.Resolve(root, S);
        Assert.Equal([new HrFolderInput(div, divLr), new HrFolderInput(fl, flLr)], inputs);
        Assert.Equal([new HrFolderInput(div, divLr)], HrDatasetLayout.Resolve(div, S));
        Assert.Equal([new HrFolderInput(valid, null)], HrDatasetLayout.Resolve(valid, S));

        var log = new List<string>();
        var path = TrainingPackBuilder.Build(inputs, dir.Sub("df2k.srpack"), new TrainingPackOptions(S, UseReadyMadeLr: true), log.Add).Path;
        using var pack = TrainingPack.Open(path);
        Assert.Equal(["0001.png", "0002.png", "000001.png"], Enumerable.Range(0, 3).Select(pack.Name));
        Assert.Equal(["0001x4.png", "0002x4.png", "000001x4.png"], pack.Index.Images.Select(e => e.LrFile));
        Assert.Equal(new long?[] { 0, 1, 0 }, pack.Index.Images.Select(e => e.LrDiffersFromMatlab));
        Assert.Equal(lr2.Data, pack.Lr(1).Data); // the ready-made file is what is used
        Assert.Contains(log, l => l.Contains("identical to MATLAB-exact imresize(HR, 1/4) for 2 of 3 images"));

        // By default the ready-made LR is not used: the MATLAB-exact LR, as the in-memory loader and the official packer.
        var own = TrainingPackBuilder.Build(inputs, dir.Sub("own.srpack"), new TrainingPackOptions(S)).Path;
        using var ownPack = TrainingPack.Open(own);
        Assert.Equal(MatlabResize.Downscale(h2, S).Data, ownPack.Lr(1).Data);
        Assert.All(ownPack.Index.Images, e => Assert.Null(e.LrFile));

        // A missing LR file is named in the error.
        File.Delete(Path.Combine(flLr, "000001x4.png"));
        var ex = Assert.Throws<FileNotFoundException>(() => TrainingPackBuilder.Build(inputs, dir.Sub("x.srpack"), new TrainingPackOptions(S, UseReadyMadeLr: true)));
        Assert.Contains("000001x4.png", ex.Message);
    }
}
