using SamDiffSR.Data;
using SamDiffSR.Masks;

namespace SamDiffSR.Training;

/// <summary>One training image, prepared once: RGB HR (modcropped to the scale), its MATLAB-exact LR, LR-up and SPE map.</summary>
/// <param name="Name">File name.</param>
/// <param name="Hr">HR, 3 channels, H and W multiples of the scale.</param>
/// <param name="Lr">imresize(HR, 1/s), MATLAB-exact, uint8.</param>
/// <param name="LrUp">LR-up in [0, 1]-ish float (see <see cref="SamDiffSR.Data.LrUpRecipe"/>), HR size, 3 channels.</param>
/// <param name="Mask">SPE map of the HR image, or null when the method needs none.</param>
public sealed record SrTrainingImage(string Name, ImageU8 Hr, ImageU8 Lr, ImageF64 LrUp, SpeMap? Mask);
