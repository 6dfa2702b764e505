namespace MarketingBot.Effects;

/// <summary>Dry run: effects are logged and (by the processor) written to the audit log; nothing is sent.</summary>
public sealed partial class DryRunEffects(ILogger<DryRunEffects> logger) : IEffectExecutor
{
    public Task ApplyAsync(long? installationId, IReadOnlyList<Effect> effects, CancellationToken cancellationToken)
    {
        foreach (var effect in effects) LogWouldApply(logger, effect.Describe());
        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "[dry run] would {Effect}")]
    private static partial void LogWouldApply(ILogger logger, string effect);
}
