namespace MarketingBot.Processing;

/// <summary>
/// What the webhook endpoint tells the processor: a delivery was stored (wake up instead of waiting for the
/// next poll), and how many deliveries it is answering at this moment (whether GitHub is sending a burst).
/// </summary>
public sealed class DeliverySignal
{
    /// <summary>
    /// Deliveries being answered at once from which the intake counts as saturated. At a steady 500/s each is
    /// answered in a millisecond or two, so a handful at most overlap; a burst that outruns the machine keeps
    /// every connection GitHub opened waiting.
    /// </summary>
    public const int BusyAt = 8;

    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _receiving;

    /// <summary>Completes at the next <see cref="Notify"/>; take it before looking for work so no notification is missed.</summary>
    public Task Next => Volatile.Read(ref _next).Task;

    public void Notify() =>
        Interlocked.Exchange(ref _next, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>True while the endpoint answers <see cref="BusyAt"/> deliveries or more at once.</summary>
    public bool IntakeBusy => Volatile.Read(ref _receiving) >= BusyAt;

    /// <summary>Counts one delivery as being answered until the returned scope is disposed.</summary>
    public Receiving Receive()
    {
        Interlocked.Increment(ref _receiving);
        return new Receiving(this);
    }

    public readonly struct Receiving(DeliverySignal signal) : IDisposable
    {
        public void Dispose() => Interlocked.Decrement(ref signal._receiving);
    }
}
