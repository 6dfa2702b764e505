using System.IO.Compression;

namespace MarketingBot.Storage;

/// <summary>
/// Webhook JSON shrinks four- to eightfold with Brotli at its fastest setting, which keeps the
/// inbox's write volume (WAL, then checkpoint) well below the raw payload size.
/// </summary>
public static class BodyCompression
{
    private const int Quality = 1;
    private const int Window = 22;

    public static byte[] Compress(ReadOnlySpan<byte> body)
    {
        var buffer = new byte[BrotliEncoder.GetMaxCompressedLength(body.Length)];
        if (!BrotliEncoder.TryCompress(body, buffer, out var written, Quality, Window))
            throw new InvalidOperationException("Brotli could not compress the delivery body.");
        return buffer.AsSpan(0, written).ToArray();
    }

    public static byte[] Decompress(byte[] compressed, int length)
    {
        var body = new byte[length];
        if (!BrotliDecoder.TryDecompress(compressed, body, out var written) || written != length)
            throw new InvalidDataException("A stored delivery body is corrupt.");
        return body;
    }
}
