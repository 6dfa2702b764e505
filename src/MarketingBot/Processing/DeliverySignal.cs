namespace MarketingBot.Processing;

/// <summary>
/// What the webhook endpoint tells the processor: a delivery was stored (wake up instead of waiting for the
/// next poll), and how many deliveries it is answering at this moment (whether GitHub is sending a burst).
/// </summary>
public sealed class DeliverySignal(TimeProvider time)
{
    /// <summary>
    /// Deliveries being answered at once from which the intake counts as saturated. At a steady 500/s each is
    /// answered in a millisecond or two, so a handful at most overlap; a burst that outruns the machine keeps
    /// every connection GitHub opened waiting.
    /// </summary>
    public const int BusyAt = 8;

    /// <summary>
    /// A burst counts as going on until this long after the intake was last saturated: between requests the count
    /// dips below <see cref="BusyAt"/> many times a second. Only the inbox's bookkeeping waits this long. Processing
    /// goes by the moment (<see cref="IntakeBusy"/>): a steady stream has short peaks often, and processing held back
    /// a second after each fell behind a steady 500 deliveries/s (and its p99 went from 7–10 ms to 11–16 ms).
    /// </summary>
    public static readonly TimeSpan BurstLingers = TimeSpan.FromSeconds(1);

    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _receiving;
    private long _busyUntil;

    /// <summary>Completes at the next <see cref="Notify"/>; take it before looking for work so no notification is missed.</summary>
    public Task Next => Volatile.Read(ref _next).Task;

    public void Notify() =>
        Interlocked.Exchange(ref _next, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>True while the endpoint answers <see cref="BusyAt"/> deliveries or more at once.</summary>
    public bool IntakeBusy => Volatile.Read(ref _receiving) >= BusyAt;

    /// <summary>True while the intake is saturated, and for <see cref="BurstLingers"/> after.</summary>
    public bool InBurst => IntakeBusy || time.GetTimestamp() < Volatile.Read(ref _busyUntil);

    /// <summary>Counts one delivery as being answered until the returned scope is disposed.</summary>
    public Receiving Receive()
    {
        if (Interlocked.Increment(ref _receiving) >= BusyAt)
            Volatile.Write(ref _busyUntil, time.GetTimestamp() + (long)(BurstLingers.TotalSeconds * time.TimestampFrequency));
        return new Receiving(this);
    }

    public readonly struct Receiving(DeliverySignal signal) : IDisposable
    {
        public void Dispose() => Interlocked.Decrement(ref signal._receiving);
    }
}
