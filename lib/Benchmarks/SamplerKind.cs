namespace SamDiffSR.Benchmarks;

/// <summary>Which reverse process a sampling benchmark runs.</summary>
public enum SamplerKind
{
    /// <summary>DDPM ancestral steps (<see cref="Diffusion.DdpmSampler"/>) at code steps T−1, T−2, …, T−k.</summary>
    Ddpm,

    /// <summary>k DDIM steps (<see cref="Diffusion.DdimSampler"/>, uniform spacing, η = 0).</summary>
    Ddim,
}
