namespace SamDiffSR.Masks.Sam;

/// <summary>
/// The output of <see cref="SamPredictor.EncodeImage"/>: the encoder's image embedding (float32, usually
/// [1, 256, 64, 64]) plus the original and resized image sizes needed to map prompts and masks.
/// </summary>
public sealed class SamImageEmbedding : ISamEmbedding
{
    internal SamImageEmbedding(float[] data, long[] shape, int height, int width, int resizedHeight, int resizedWidth)
    {
        Data = data;
        Shape = shape;
        Height = height;
        Width = width;
        ResizedHeight = resizedHeight;
        ResizedWidth = resizedWidth;
    }

    /// <summary>Embedding values, row-major over <see cref="Shape"/>.</summary>
    public float[] Data { get; }

    /// <summary>Embedding shape as the encoder returned it.</summary>
    public IReadOnlyList<long> Shape { get; }

    /// <summary>Rows of the encoded (original) image.</summary>
    public int Height { get; }

    /// <summary>Columns of the encoded (original) image.</summary>
    public int Width { get; }

    /// <summary>Rows after resizing the longest side to the encoder size.</summary>
    public int ResizedHeight { get; }

    /// <summary>Columns after resizing.</summary>
    public int ResizedWidth { get; }
}
