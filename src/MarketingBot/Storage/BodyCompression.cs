using System.Buffers;
using System.IO.Compression;
using K4os.Compression.LZ4;

namespace MarketingBot.Storage;

/// <summary>
/// Delivery bodies are kept compressed in the inbox tables: webhook JSON shrinks three- to fivefold. LZ4 at its
/// fastest takes about 20 µs for a 12 KB delivery of real text, against more than twice that for zlib's fastest
/// (part of it setting up a fresh zlib stream, which .NET cannot reuse). That is still a fifth of what answering
/// a delivery costs, so the intake does not compress: its journal takes the body as it came
/// (<see cref="Uncompressed"/>), and the body is compressed when the row is written. A body starts with a tag byte
/// naming its format; bodies stored by earlier versions are zlib or Brotli, without a tag, and are told apart by
/// their first bytes.
/// </summary>
public static class BodyCompression
{
    /// <summary>An LZ4 block follows. Neither a zlib header (low nibble 8) nor the Brotli streams stored before (low nibble B) start so.</summary>
    private const byte Lz4Block = 0x04;

    /// <summary>The body as it arrived follows (the intake journal's records). Neither zlib nor Brotli starts so.</summary>
    public const byte Uncompressed = 0x00;

    /// <summary>A body tagged <see cref="Uncompressed"/> as it is (no copy), or any other format decompressed.</summary>
    public static ReadOnlyMemory<byte> Open(ReadOnlyMemory<byte> stored, int length) =>
        stored.Length == 1 + length && stored.Span[0] == Uncompressed ? stored[1..] : Decompress(stored.ToArray(), length);

    public static byte[] Compress(ReadOnlySpan<byte> body)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(1 + LZ4Codec.MaximumOutputSize(body.Length));
        try
        {
            buffer[0] = Lz4Block;
            var written = LZ4Codec.Encode(body, buffer.AsSpan(1), LZ4Level.L00_FAST);
            return buffer.AsSpan(0, 1 + written).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public static byte[] Decompress(byte[] compressed, int length)
    {
        var body = new byte[length];
        try
        {
            if (compressed.Length > 0 && compressed[0] == Lz4Block)
            {
                if (LZ4Codec.Decode(compressed.AsSpan(1), body) == length) return body;
            }
            else if (IsZLib(compressed))
            {
                using var zlib = new ZLibStream(new MemoryStream(compressed), CompressionMode.Decompress);
                zlib.ReadExactly(body);
                if (zlib.ReadByte() == -1) return body;
            }
            else if (BrotliDecoder.TryDecompress(compressed, body, out var written) && written == length)
            {
                return body;
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException)
        {
            throw new InvalidDataException("A stored delivery body is corrupt.", ex);
        }
        throw new InvalidDataException("A stored delivery body is corrupt.");
    }

    /// <summary>
    /// A zlib stream (RFC 1950) starts with the deflate method (8) in the low nibble and a header that is a
    /// multiple of 31; a Brotli stream with the 4 MB window earlier versions used starts with 0x?B.
    /// </summary>
    private static bool IsZLib(byte[] compressed) =>
        compressed.Length >= 2 && (compressed[0] & 0x0F) == 8 && ((compressed[0] << 8) | compressed[1]) % 31 == 0;
}
