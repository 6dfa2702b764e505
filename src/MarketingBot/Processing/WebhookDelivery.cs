using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using MarketingBot.Effects;
using MarketingBot.Storage;
using Octokit.Webhooks;

namespace MarketingBot.Processing;

/// <summary>A stored delivery as a handler sees it: its names and GitHub's typed event (null for an event Octokit does not model).</summary>
public sealed record WebhookDelivery(string Guid, string Event, string? Action, long? InstallationId, WebhookEvent? Payload)
{
    public string Name => Action is null ? Event : $"{Event}.{Action}";

    public static WebhookDelivery From(ClaimedDelivery stored) =>
        new(stored.Guid, stored.Event, stored.Action, stored.InstallationId,
            TypedEvents.Read(stored.Event, BodyCompression.Decompress(stored.CompressedBody, stored.BodyLength)));
}

/// <summary>
/// Octokit.Webhooks' event models, read without their "required" member checks: a payload from
/// GitHub Enterprise Server or a proxy that omits one field the models demand must still be
/// handled, not retried until it is dead-lettered. Handlers null-check what they use.
/// </summary>
public static class TypedEvents
{
    // The library tags each event model with its (internal) WebhookEventTypeAttribute("issues").
    private static readonly Dictionary<string, Type> ByEventName = typeof(WebhookEvent).Assembly.GetExportedTypes()
        .Select(type => (type, name: type.GetCustomAttributesData()
            .FirstOrDefault(a => a.AttributeType.Name == "WebhookEventTypeAttribute")?.ConstructorArguments[0].Value as string))
        .Where(t => t.name is not null)
        .ToDictionary(t => t.name!, t => t.type, StringComparer.Ordinal);

    private static readonly JsonSerializerOptions Lenient = new()
    {
        // As deep as the intake accepts: a delivery answered 202 must never fail here for its shape alone.
        MaxDepth = Intake.DeliveryEnvelope.MaxDepth,
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { DropRequired } },
    };

    public static WebhookEvent? Read(string eventName, ReadOnlySpan<byte> body) =>
        ByEventName.TryGetValue(eventName, out var type) ? (WebhookEvent?)JsonSerializer.Deserialize(body, type, Lenient) : null;

    private static void DropRequired(JsonTypeInfo info)
    {
        foreach (var property in info.Properties) property.IsRequired = false;
    }
}

/// <summary>What a handler decided: a short outcome for the audit log and the effects to apply.</summary>
public sealed record Decision(string Outcome, IReadOnlyList<Effect> Effects)
{
    public static Decision Nothing(string outcome) => new(outcome, []);
}

/// <summary>
/// Decides what a delivery means for the marketing workflow. A handler reads what it needs to know
/// and returns effects; it never writes to GitHub or Google itself, so dry run and replay share its code.
/// </summary>
public interface IDeliveryHandler
{
    Task<Decision> HandleAsync(WebhookDelivery delivery, CancellationToken cancellationToken);
}
