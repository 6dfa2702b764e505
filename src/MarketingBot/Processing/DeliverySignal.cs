namespace MarketingBot.Processing;

/// <summary>Wakes the processor as soon as a delivery is stored, instead of waiting for its next poll.</summary>
public sealed class DeliverySignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes at the next <see cref="Notify"/>; take it before looking for work so no notification is missed.</summary>
    public Task Next => Volatile.Read(ref _next).Task;

    public void Notify() =>
        Interlocked.Exchange(ref _next, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
