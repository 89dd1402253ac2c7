using SamDiffSR.Masks.Sam;
using Xunit;

namespace SamDiffSR.Tests.Masks.Sam;

public class SamAmgTests
{
    [Fact]
    public void PointGrid32_HasSamOffsetsAndSpacing()
    {
        var g = SamAmg.BuildPointGrid(32);
        Assert.Equal(1024, g.Length);
        // linspace(1/64, 1 − 1/64, 32): first 0.015625, step (62/64)/31 = 1/32, last 0.984375
        Assert.Equal((0.015625, 0.015625), g[0]);
        Assert.Equal(0.046875, g[1].X, 15);
        Assert.Equal(0.015625, g[1].Y);
        Assert.Equal((0.015625, 0.046875), (g[32].X, Math.Round(g[32].Y, 15)));
        Assert.Equal((0.984375, 0.984375), g[^1]);
    }

    [Fact]
    public void PointGrid4_AndOne()
    {
        var g = SamAmg.BuildPointGrid(4);
        Assert.Equal(new[] { 0.125, 0.375, 0.625, 0.875 }, g.Take(4).Select(p => p.X));
        Assert.All(g.Take(4), p => Assert.Equal(0.125, p.Y));
        Assert.Equal((0.125, 0.375), g[4]); // x runs fastest
        Assert.Equal((0.875, 0.875), g[15]);
        Assert.Equal(new[] { (0.5, 0.5) }, SamAmg.BuildPointGrid(1));
        var layers = SamAmg.BuildAllLayerPointGrids(32, 2, 2);
        Assert.Equal(new[] { 1024, 256, 64 }, layers.Select(l => l.Length));
    }

    [Fact]
    public void CropBoxes_OneLayer_SmallImage_ByHand()
    {
        // 64×48: short side 48; layer 1: n = 2, overlap = int(512/1500·48·1) = int(16.384) = 16,
        // crop_w = ceil((16 + 64)/2) = 40, crop_h = ceil((16 + 48)/2) = 32, starts x {0, 24}, y {0, 16}
        var (boxes, layers) = SamAmg.GenerateCropBoxes(48, 64, 1, 512.0 / 1500);
        Assert.Equal(new[] { 0, 1, 1, 1, 1 }, layers);
        Assert.Equal(new[] { 0, 0, 64, 48 }, boxes[0]);
        Assert.Equal(new[] { 0, 0, 40, 32 }, boxes[1]);
        Assert.Equal(new[] { 0, 16, 40, 48 }, boxes[2]); // x0-major: same x0, next y0
        Assert.Equal(new[] { 24, 0, 64, 32 }, boxes[3]);
        Assert.Equal(new[] { 24, 16, 64, 48 }, boxes[4]);
    }

    [Fact]
    public void CropBoxes_TwoLayers_1500x1000_ByHand()
    {
        // short side 1000. Layer 1: overlap int(341.33) = 341, w = ceil(1841/2) = 921, h = ceil(1341/2) = 671,
        // x0 {0, 580}, y0 {0, 330}. Layer 2: overlap int(170.67) = 170, w = ceil(2010/4) = 503, h = ceil(1510/4) = 378,
        // x0 = 333·i, y0 = 208·j; the last box is clipped to the image.
        var (boxes, layers) = SamAmg.GenerateCropBoxes(1000, 1500, 2, 512.0 / 1500);
        Assert.Equal(1 + 4 + 16, boxes.Count);
        Assert.Equal(new[] { 0, 0, 921, 671 }, boxes[1]);
        Assert.Equal(new[] { 0, 330, 921, 1000 }, boxes[2]);
        Assert.Equal(new[] { 580, 0, 1500, 671 }, boxes[3]);
        Assert.Equal(new[] { 580, 330, 1500, 1000 }, boxes[4]);
        Assert.Equal(new[] { 0, 0, 503, 378 }, boxes[5]);
        Assert.Equal(new[] { 0, 208, 503, 586 }, boxes[6]);
        Assert.Equal(new[] { 333, 0, 836, 378 }, boxes[9]);
        Assert.Equal(new[] { 999, 624, 1500, 1000 }, boxes[20]);
        Assert.Equal(2, layers[20]);
    }

    [Fact]
    public void StabilityScore_HandMadeLogits()
    {
        // > +1: {3, 2, 1.5} = 3; > −1: {3, 2, 1.5, 1, 0.5, 0, −0.5} = 7 (the boundary values ±1 are not counted)
        float[] logits = { 3, 2, 1.5f, 1, 0.5f, 0, -0.5f, -1, -1.5f, -3 };
        Assert.Equal(3f / 7f, SamAmg.StabilityScore(logits, 0f, 1f));
        // offset 0.25 around threshold 0.5: > 0.75 {3, 2, 1.5, 1} = 4; > 0.25 adds 0.5 → 5
        Assert.Equal(0.8f, SamAmg.StabilityScore(logits, 0.5f, 0.25f));
        // 19 of 20 → 0.95 in float32, which passes a 0.95 threshold compared in float32
        var m = Enumerable.Repeat(5f, 19).Append(0.5f).ToArray();
        Assert.Equal(0.95f, SamAmg.StabilityScore(m, 0f, 1f));
        Assert.True(float.IsNaN(SamAmg.StabilityScore(new float[] { -5, -5 }, 0f, 1f)));
    }

    [Fact]
    public void MaskToBox_InclusiveMaxima()
    {
        var m = new bool[6 * 8];
        Assert.Equal(new[] { 0, 0, 0, 0 }, SamAmg.MaskToBox(m, 6, 8));
        m[3 * 8 + 5] = true;
        Assert.Equal(new[] { 5, 3, 5, 3 }, SamAmg.MaskToBox(m, 6, 8));
        m[1 * 8 + 7] = true;
        m[4 * 8 + 2] = true;
        Assert.Equal(new[] { 2, 1, 7, 4 }, SamAmg.MaskToBox(m, 6, 8));
    }

    [Fact]
    public void Nms_KeepsHigherScore_StrictThreshold_StableTies()
    {
        var boxes = new[]
        {
            new[] { 0, 0, 10, 10 },   // 0: score 0.9, IoU with 1 = 90/100 = 0.9 → suppressed by 1
            new[] { 0, 0, 10, 9 },    // 1: score 0.95
            new[] { 20, 20, 30, 30 }, // 2: score 0.5, disjoint
            new[] { 1, 1, 11, 11 },   // 3: score 0.9 (tie with 0), IoU with 1 = 72/118 = 0.61 → kept
        };
        var keep = SamAmg.Nms(boxes, new[] { 0.9f, 0.95f, 0.5f, 0.9f }, 0.7);
        Assert.Equal(new[] { 1, 3, 2 }, keep);
        // IoU exactly 0.7 (70/100) is not above the threshold
        Assert.Equal(new[] { 0, 1 }, SamAmg.Nms(new[] { new[] { 0, 0, 10, 10 }, new[] { 0, 0, 10, 7 } }, new[] { 1f, 0.5f }, 0.7));
        Assert.Equal(new[] { 1 }, SamAmg.Nms(new[] { new[] { 0, 0, 10, 10 }, new[] { 0, 0, 10, 8 } }, new[] { 0.5f, 1f }, 0.7)); // 0.8 > 0.7
        // one-pixel boxes have area 0: IoU is NaN and nothing is suppressed
        Assert.Equal(new[] { 0, 1 }, SamAmg.Nms(new[] { new[] { 5, 5, 5, 5 }, new[] { 5, 5, 5, 5 } }, new[] { 1f, 1f }, 0.7));
        Assert.Equal(0.7f, SamAmg.BoxIou(new[] { 0, 0, 10, 10 }, new[] { 0, 0, 10, 7 }));
    }

    [Fact]
    public void NearCropEdge_OnlyInnerCropEdgesCount()
    {
        int[] crop = { 0, 0, 40, 32 };
        Assert.True(SamAmg.IsBoxNearCropEdge(new[] { 27, 5, 33, 11 }, crop, 64, 48));  // x1 33 within 20 of 40
        Assert.False(SamAmg.IsBoxNearCropEdge(new[] { 7, 5, 13, 11 }, crop, 64, 48)); // x0/y0 near 0, which is also the image edge
        Assert.False(SamAmg.IsBoxNearCropEdge(new[] { 7, 5, 13, 11 }, new[] { 0, 0, 64, 48 }, 64, 48));
        // a box in crop coordinates is shifted by the crop origin first: [7,5,13,11] in crop [0,16,..] → y0 21, 5 px from 16
        Assert.True(SamAmg.IsBoxNearCropEdge(new[] { 7, 5, 13, 11 }, new[] { 0, 16, 40, 48 }, 64, 48));
        Assert.False(SamAmg.IsBoxNearCropEdge(new[] { 7, 21, 13, 27 }, new[] { 0, 16, 40, 48 }, 64, 48));
    }

    private static bool[] Grid(int h, int w, Func<int, int, bool> f)
    {
        var m = new bool[h * w];
        for (int r = 0; r < h; r++) for (int c = 0; c < w; c++) m[r * w + c] = f(r, c);
        return m;
    }

    [Fact]
    public void RemoveSmallRegions_FillsHoles_IncludingOneAtTheBorder()
    {
        var m = Grid(6, 6, (r, c) => !(r == 2 && (c == 2 || c == 3)));
        var (filled, changed) = SamAmg.RemoveSmallRegions(m, 6, 6, 3, SamAmg.RegionMode.Holes);
        Assert.True(changed);
        Assert.All(filled, Assert.True);
        var (same, changed2) = SamAmg.RemoveSmallRegions(m, 6, 6, 2, SamAmg.RegionMode.Holes); // hole of 2 is not < 2
        Assert.False(changed2);
        Assert.Same(m, same);
        // SAM treats any small background component as a hole, even one touching the image border
        var corner = Grid(5, 5, (r, c) => !(r == 0 && c == 0));
        var (cf, cc) = SamAmg.RemoveSmallRegions(corner, 5, 5, 2, SamAmg.RegionMode.Holes);
        Assert.True(cc);
        Assert.True(cf[0]);
    }

    [Fact]
    public void RemoveSmallRegions_Islands_Uses8Connectivity_AndKeepsLargestWhenAllSmall()
    {
        // big block 5×5 (25 px); two 2×2 blocks touching only diagonally ((6,7) and (7,6)): one 8-connected island of 8
        var m = Grid(10, 10, (r, c) => (r <= 4 && c <= 4) || (r is 7 or 8 && c is 5 or 6) || (r is 5 or 6 && c is 7 or 8));
        var (labels, sizes) = SamAmg.ConnectedComponents8(m, 10, 10);
        Assert.Equal(new[] { 25, 8 }, sizes);
        Assert.Equal(1, labels[0]);
        Assert.Equal(2, labels[5 * 10 + 7]);
        var (kept, changed) = SamAmg.RemoveSmallRegions(m, 10, 10, 6, SamAmg.RegionMode.Islands);
        Assert.False(changed); // 8 ≥ 6; with 4-connectivity it would be two islands of 4 and be removed
        var (cut, changed2) = SamAmg.RemoveSmallRegions(m, 10, 10, 9, SamAmg.RegionMode.Islands);
        Assert.True(changed2);
        Assert.Equal(25, cut.Count(v => v));
        // all islands small: the largest (4 px) stays
        var small = Grid(6, 6, (r, c) => (r == 0 && c <= 2) || (r >= 3 && r <= 4 && c >= 3 && c <= 4));
        var (largest, ch3) = SamAmg.RemoveSmallRegions(small, 6, 6, 10, SamAmg.RegionMode.Islands);
        Assert.True(ch3);
        Assert.Equal(4, largest.Count(v => v));
        Assert.True(largest[3 * 6 + 3] && !largest[0]);
    }
}
