using System.IO.Compression;
using MarketingBot.Storage;
using MarketingBot.Tests.Support;

namespace MarketingBot.Tests.Storage;

public sealed class BodyCompressionTests
{
    private static readonly byte[] Body = Payloads.IssueEvent("opened", 3, "I_3");

    [Fact]
    public void A_body_comes_back_byte_for_byte_at_a_fraction_of_its_size()
    {
        var compressed = BodyCompression.Compress(Body);
        Assert.True(compressed.Length < Body.Length / 3, $"{compressed.Length} of {Body.Length} bytes");
        Assert.Equal(Body, BodyCompression.Decompress(compressed, Body.Length));
    }

    [Fact]
    public void A_body_an_earlier_version_stored_with_zlib_is_still_read()
    {
        var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true)) zlib.Write(Body);
        Assert.Equal(Body, BodyCompression.Decompress(compressed.ToArray(), Body.Length));
    }

    [Fact]
    public void Bytes_that_do_not_compress_come_back_too()
    {
        var noise = new byte[5000];
        new Random(7).NextBytes(noise);
        Assert.Equal(noise, BodyCompression.Decompress(BodyCompression.Compress(noise), noise.Length));
        Assert.Equal([], BodyCompression.Decompress(BodyCompression.Compress([]), 0));
    }

    [Fact]
    public void A_body_an_earlier_version_stored_with_Brotli_is_still_read()
    {
        var buffer = new byte[BrotliEncoder.GetMaxCompressedLength(Body.Length)];
        Assert.True(BrotliEncoder.TryCompress(Body, buffer, out var written, quality: 1, window: 22));
        Assert.Equal(Body, BodyCompression.Decompress(buffer[..written], Body.Length));
    }

    [Fact]
    public void A_corrupt_or_truncated_body_is_reported_as_corrupt()
    {
        var compressed = BodyCompression.Compress(Body);
        Assert.Throws<InvalidDataException>(() => BodyCompression.Decompress(compressed[..(compressed.Length / 2)], Body.Length));
        Assert.Throws<InvalidDataException>(() => BodyCompression.Decompress(compressed, Body.Length + 1));
        Assert.Throws<InvalidDataException>(() => BodyCompression.Decompress(compressed, Body.Length - 1));
        Assert.Throws<InvalidDataException>(() => BodyCompression.Decompress([0x04, 0xFF, 0xFF, 0x00], Body.Length));
        Assert.Throws<InvalidDataException>(() => BodyCompression.Decompress([0x78, 0x01, 0xFF, 0xFF], Body.Length));
        Assert.Throws<InvalidDataException>(() => BodyCompression.Decompress([0x8B, 0x00, 0x12], Body.Length));
    }
}
