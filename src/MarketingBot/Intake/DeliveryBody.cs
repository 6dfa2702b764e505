using System.Buffers;

namespace MarketingBot.Intake;

/// <summary>
/// A delivery's body as it arrives, in pooled chunks: memory is taken as bytes come in, never for what the
/// <c>Content-Length</c> promises, and every chunk counts against the <see cref="IntakeBudget"/> until the delivery
/// is verified and stored. A sender that declares 25 MB and dribbles holds only what it sent.
/// </summary>
internal sealed class DeliveryBody : IDisposable
{
    private const int ChunkSize = 64 * 1024;

    private readonly IntakeBudget _budget;
    private readonly List<byte[]> _chunks = [];
    private byte[]? _whole;
    private long _held;

    private DeliveryBody(IntakeBudget budget) => _budget = budget;

    public int Length { get; private set; }

    /// <summary>The body in one piece (pooled, so longer than <see cref="Length"/>), once it is read.</summary>
    public ReadOnlySpan<byte> Span => _whole.AsSpan(0, Length);

    /// <inheritdoc cref="Span"/>
    public ReadOnlyMemory<byte> Memory => _whole.AsMemory(0, Length);

    /// <summary>Reads the whole body. Null with the reason when it is over <paramref name="maxBytes"/> or the budget is spent.</summary>
    public static async Task<(DeliveryBody? Body, BodyRefusal Refusal)> ReadAsync(Stream stream, IntakeBudget budget, long maxBytes, CancellationToken cancellationToken)
    {
        var body = new DeliveryBody(budget);
        try
        {
            while (true)
            {
                if (!body.Take(ChunkSize)) return (Fail(body), BodyRefusal.Busy);
                var chunk = ArrayPool<byte>.Shared.Rent(ChunkSize);
                body._chunks.Add(chunk);
                var filled = 0;
                while (filled < ChunkSize)
                {
                    var read = await stream.ReadAsync(chunk.AsMemory(filled, ChunkSize - filled), cancellationToken).ConfigureAwait(false);
                    if (read == 0) break;
                    filled += read;
                }
                body.Length += filled;
                if (body.Length > maxBytes) return (Fail(body), BodyRefusal.TooLarge);
                if (filled < ChunkSize) break;
            }
            if (!body.Take(body.Length)) return (Fail(body), BodyRefusal.Busy);
            body._whole = ArrayPool<byte>.Shared.Rent(Math.Max(body.Length, 1));
            var at = 0;
            foreach (var chunk in body._chunks)
            {
                var part = Math.Min(ChunkSize, body.Length - at);
                chunk.AsSpan(0, part).CopyTo(body._whole.AsSpan(at));
                at += part;
            }
            body.ReturnChunks();
            return (body, BodyRefusal.None);
        }
        catch
        {
            body.Dispose();
            throw;
        }
    }

    private static DeliveryBody? Fail(DeliveryBody body)
    {
        body.Dispose();
        return null;
    }

    private bool Take(long bytes)
    {
        if (!_budget.TryTake(bytes)) return false;
        _held += bytes;
        return true;
    }

    private void ReturnChunks()
    {
        foreach (var chunk in _chunks) ArrayPool<byte>.Shared.Return(chunk);
        Release((long)_chunks.Count * ChunkSize);
        _chunks.Clear();
    }

    private void Release(long bytes)
    {
        _budget.Give(bytes);
        _held -= bytes;
    }

    public void Dispose()
    {
        ReturnChunks();
        if (_whole is not null) ArrayPool<byte>.Shared.Return(_whole);
        _whole = null;
        Release(_held);
    }
}

internal enum BodyRefusal
{
    None,
    TooLarge,
    Busy,
}

/// <summary>
/// How many bytes of deliveries not yet verified and stored the intake may hold at once (<c>Bot__IntakeBufferBytes</c>).
/// Unsigned senders cannot sign, but they can send: without a cap, a few slow ones declaring large bodies took
/// the memory legitimate deliveries needed. Past it, new deliveries are answered 503 with <c>Retry-After</c>.
/// </summary>
public sealed class IntakeBudget(long capacity)
{
    private long _available = capacity;

    public long Capacity { get; } = capacity;

    /// <summary>Bytes held now by deliveries being received.</summary>
    public long Held => Capacity - Volatile.Read(ref _available);

    public bool TryTake(long bytes)
    {
        if (Interlocked.Add(ref _available, -bytes) >= 0) return true;
        Interlocked.Add(ref _available, bytes);
        return false;
    }

    public void Give(long bytes) => Interlocked.Add(ref _available, bytes);
}
