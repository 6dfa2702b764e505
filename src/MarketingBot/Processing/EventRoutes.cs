using MarketingBot.Board;
using MarketingBot.Commands;
using MarketingBot.Installations;
using MarketingBot.Requests;

namespace MarketingBot.Processing;

/// <summary>
/// The one place that says which handler gets which event. A route names an event, or an event
/// and action (<c>issues.opened</c>); the more specific one wins. An event with no route is logged
/// and recorded as ignored, never dropped silently.
/// </summary>
public static partial class EventRoutes
{
    public static IServiceCollection AddEventRoutes(this IServiceCollection services)
    {
        services.AddKeyedScoped<IDeliveryHandler, PingHandler>("ping");
        services.AddKeyedScoped<IDeliveryHandler, InstallationHandler>("installation");
        services.AddKeyedScoped<IDeliveryHandler, InstallationHandler>("installation_repositories");
        foreach (var action in new[] { "opened", "edited", "reopened", "labeled", "unlabeled", "assigned", "unassigned", "closed", "deleted", "transferred" })
            services.AddKeyedScoped<IDeliveryHandler, RequestCheckHandler>($"issues.{action}");
        services.AddKeyedScoped<IDeliveryHandler, CardMovedHandler>("projects_v2_item.edited");
        services.AddKeyedScoped<IDeliveryHandler, BoardChangedHandler>("projects_v2");
        // Edited and deleted comments are routed too, so the audit log says why they change nothing.
        services.AddKeyedScoped<IDeliveryHandler, CommandHandler>("issue_comment");
        services.AddSingleton<CommandReplies>();
        services.AddKeyedScoped<IDeliveryHandler, WorkflowChangeHandler>("push");
        foreach (var action in new[] { "opened", "synchronize", "reopened" })
            services.AddKeyedScoped<IDeliveryHandler, WorkflowPullRequestHandler>($"pull_request.{action}");
        return services;
    }

    public static IDeliveryHandler Resolve(IServiceProvider services, string eventName, string? action) =>
        (action is null ? null : services.GetKeyedService<IDeliveryHandler>($"{eventName}.{action}"))
        ?? services.GetKeyedService<IDeliveryHandler>(eventName)
        ?? new Unrouted(services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(EventRoutes)));

    private sealed class Unrouted(ILogger logger) : IDeliveryHandler
    {
        public Task<Decision> HandleAsync(WebhookDelivery delivery, CancellationToken cancellationToken)
        {
            LogUnrouted(logger, delivery.Name, delivery.Guid);
            return Task.FromResult(Decision.Nothing($"ignored: MarketingBot has no handler for {delivery.Name}"));
        }
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "No handler for {Event} (delivery {Delivery}); recorded as ignored.")]
    private static partial void LogUnrouted(ILogger logger, string @event, string delivery);
}
