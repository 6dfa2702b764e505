using Microsoft.AspNetCore.Server.Kestrel.Core;
using System.Text.Json;
using MarketingBot.Board;
using MarketingBot.Commands;
using MarketingBot.Configuration;
using MarketingBot.Dashboard;
using MarketingBot.Setup;
using MarketingBot.Effects;
using MarketingBot.GitHub;
using MarketingBot.Health;
using MarketingBot.Intake;
using MarketingBot.Planner;
using MarketingBot.Processing;
using MarketingBot.Reminders;
using MarketingBot.Requests;
using MarketingBot.Review;
using MarketingBot.Scheduling;
using MarketingBot.Storage;
using MarketingBot.Telemetry;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace MarketingBot.Hosting;

public static class MarketingBotServices
{
    private const int MinThreads = 12;

    /// <summary>The web service: everything in <see cref="AddMarketingBotCore"/> plus Kestrel limits and health checks.</summary>
    public static WebApplicationBuilder AddMarketingBot(this WebApplicationBuilder builder)
    {
        // SQLite calls block the thread they run on (even its async API), as do the inbox's flushes to disk.
        // On a small machine the thread pool starts with one thread per core and adds more only every
        // half second or so once they are all blocked, which shows as answers delayed by 100 ms and more.
        ThreadPool.GetMinThreads(out var workers, out var completions);
        ThreadPool.SetMinThreads(Math.Max(workers, MinThreads), Math.Max(completions, MinThreads));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = WebhookIntake.MaxPayloadBytes;
            // GitHub sends a delivery at once; a client that dribbles its headers or body only holds a
            // connection and memory, so it is cut off (Kestrel answers 408 or closes the connection).
            kestrel.Limits.RequestHeadersTimeout = WebhookIntake.SlowClientTimeout;
            kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(bytesPerSecond: WebhookIntake.MinBodyBytesPerSecond, gracePeriod: WebhookIntake.SlowClientTimeout);
        });
        // One line per entry, stamped in UTC: an operator reading `docker logs` or journald needs to know when.
        // (Readiness results are not logged per call: /readyz and the dashboard show them, and probes call often.)
        builder.Logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.UseUtcTimestamp = true;
            console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        });
        builder.AddStoredAppCredentials();
        builder.Services.AddSingleton<MarketingBot.Setup.SetupAccess>();
        builder.Services.AddSingleton<AttemptThrottle>();
        builder.Services.Configure<ForwardedHeadersOptions>(forwarded =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
            // Only the proxies named (and this machine's, the default) may say what the client's scheme and host were.
            foreach (var proxy in (builder.Configuration["Bot:TrustedProxies"] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                forwarded.KnownProxies.Add(System.Net.IPAddress.Parse(proxy));
        });
        builder.Services.AddMarketingBotCore(builder.Configuration);
        builder.Services.AddHealthChecks()
            .AddCheck<StorageCheck>("storage", tags: ["ready", "intake"])
            .AddCheck<GitHubAppCheck>("github-app", tags: ["ready"])
            .AddCheck<PlannerCheck>("content-planner", tags: ["ready"])
            .AddCheck<BoardCheck>("work-schedule", tags: ["ready"])
            .AddCheck<WorkflowCheck>("workflow", tags: ["ready"])
            .AddCheck<DeliveryFlowCheck>("deliveries", tags: ["ready"])
            .AddCheck<BackgroundLoopsCheck>("background-loops", tags: ["ready"]);
        builder.Services.AddSingleton<DeliveryFlowCheck>();
        builder.Services.AddSingleton<GitHubAppCheck>();
        builder.Services.AddHostedService<StartupReport>();
        builder.Services.AddHostedService<NativeMemoryTrim>();
        builder.Services.AddDashboard(builder.Configuration);
        return builder;
    }

    /// <summary>What both the service and <c>replay</c> run: settings, the inbox, the processor, handlers and effect executors.</summary>
    public static IServiceCollection AddMarketingBotCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<GitHubSettings>(configuration.GetSection(GitHubSettings.Section));
        services.Configure<BotSettings>(configuration.GetSection(BotSettings.Section));
        services.Configure<StorageSettings>(configuration.GetSection(StorageSettings.Section));
        services.TryAddSingleton(TimeProvider.System);
        // The loops report their own failures and go on (BackgroundLoops); should one escape all the same, the host
        // keeps serving instead of stopping, which would lose every delivery GitHub sends meanwhile.
        services.Configure<HostOptions>(host => host.BackgroundServiceExceptionBehavior = BackgroundServiceExceptionBehavior.Ignore);
        services.AddSingleton<BackgroundLoops>();
        services.AddSingleton(sp => DryRunMode.From(
            sp.GetRequiredService<IOptions<BotSettings>>().Value, sp.GetRequiredService<IOptions<GitHubSettings>>().Value));

        services.AddRecords();
        services.AddSingleton<DeliverySignal>();
        services.AddSingleton(sp => new IntakeBudget(sp.GetRequiredService<IOptions<BotSettings>>().Value.IntakeBufferBytes));
        services.AddEventRoutes();
        services.AddSingleton<WorkflowSource>();
        services.AddHostedService<DeliveryProcessor>();

        services.AddGitHubHttp();
        services.AddSingleton<AppJwt>();
        services.AddSingleton<GitHubClients>();
        services.AddSingleton<GitHubEffects>();
        services.AddSingleton<GitHubGraphQL>();
        services.AddSingleton<WorkScheduleBoard>();
        services.AddSingleton<Campaigns.CampaignPlanner>();
        services.AddSingleton<RoleMembership>();
        services.AddSingleton<MarketingBot.Operations.MissedDeliveries>();
        services.AddHostedService(sp => sp.GetRequiredService<MarketingBot.Operations.MissedDeliveries>());
        services.Configure<ScheduleSettings>(configuration.GetSection(ScheduleSettings.Section));
        services.AddSingleton<MarketingBot.Installations.InstalledRepositories>();
        services.AddSingleton<MarketingTrackers>();
        services.AddSingleton<TwoHourScan>();
        services.AddSingleton<TwoHourJob>();
        services.AddSingleton<IScheduledJob>(sp => sp.GetRequiredService<TwoHourJob>());
        MarketingBot.Review.HubSpotClient.Register(services, configuration);
        services.AddSingleton<MarketingBot.Review.ReviewJob>();
        services.AddSingleton<IScheduledJob>(sp => sp.GetRequiredService<MarketingBot.Review.ReviewJob>());
        services.AddSingleton<IScheduledJob, Campaigns.CampaignsAtRiskJob>();
        services.AddSingleton<JobScheduler>();
        services.AddHostedService(sp => sp.GetRequiredService<JobScheduler>());
        services.AddSingleton<CardMovePoll>();
        services.AddHostedService(sp => sp.GetRequiredService<CardMovePoll>());
        services.AddSingleton<DryRunEffects>();
        services.AddSingleton<LiveEffects>();
        services.AddSingleton<IEffectExecutor>(sp => sp.GetRequiredService<DryRunMode>().IsOn
            ? sp.GetRequiredService<DryRunEffects>()
            : sp.GetRequiredService<LiveEffects>());
        services.AddContentPlanner(configuration);

        services.AddMetrics();
        services.AddSingleton<BotMetrics>();
        // Traces and metrics are collected only to be exported: listening to every request for nobody cost the
        // intake about 3% of its core. The instruments stay readable with dotnet-counters either way.
        if (!string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            services.AddOpenTelemetry()
                .ConfigureResource(resource => resource.AddService(BotMetrics.Name))
                .WithTracing(tracing => tracing.AddSource(BotMetrics.Name).AddAspNetCoreInstrumentation().AddHttpClientInstrumentation())
                .WithMetrics(metrics => metrics.AddMeter(BotMetrics.Name).AddAspNetCoreInstrumentation().AddHttpClientInstrumentation())
                .UseOtlpExporter();
        }
        return services;
    }

    /// <summary>
    /// The one database and the stores on it. Each feature gets only the records it keeps or reads:
    /// <list type="table">
    /// <item><term><see cref="Inbox"/></term><description>intake, the delivery processor, missed-delivery recovery, card polling (queues its moves), replay, the dashboard</description></item>
    /// <item><term><see cref="CardRecords"/></term><description>the Work Schedule board, card polling, request checks, commands, planner reconcile, the monthly review</description></item>
    /// <item><term><see cref="ApprovalRecords"/></term><description>commands (<c>/approve</c>), request checks, card moves, planner reconcile</description></item>
    /// <item><term><see cref="NagRecords"/></term><description>the two-hour scan, <c>/snooze</c>, the monthly review</description></item>
    /// <item><term><see cref="RequestHistory"/></term><description>request checks (write), the monthly review (read)</description></item>
    /// <item><term><see cref="JobRuns"/></term><description>the job scheduler, the dashboard</description></item>
    /// <item><term><see cref="BotCommentRecords"/></term><description>the GitHub executor: the bot's one comment per issue, as it last wrote it</description></item>
    /// <item><term><see cref="PlannerQueue"/></term><description>the Content Planner's mirror: rows decided but not yet on the sheet</description></item>
    /// </list>
    /// Record effects (<see cref="RecordStores"/>) reach the stores their handlers decided to write to.
    /// </summary>
    private static void AddRecords(this IServiceCollection services)
    {
        services.AddSingleton(sp =>
        {
            var signal = sp.GetRequiredService<DeliverySignal>();
            var loops = sp.GetRequiredService<BackgroundLoops>();
            return Database.Open(sp.GetRequiredService<IOptions<StorageSettings>>().Value, sp.GetRequiredService<TimeProvider>(), () => signal.InBurst,
                failure =>
                {
                    if (failure is null) loops.Succeeded("storage-upkeep");
                    else loops.Failed("storage-upkeep", failure);
                });
        });
        services.AddSingleton<Inbox>();
        services.AddSingleton<CardRecords>();
        services.AddSingleton<ApprovalRecords>();
        services.AddSingleton<NagRecords>();
        services.AddSingleton<RequestHistory>();
        services.AddSingleton<JobRuns>();
        services.AddSingleton<PlannerQueue>();
        services.AddSingleton<BotCommentRecords>();
        services.AddSingleton<Campaigns.CampaignRecords>();
        services.AddSingleton<RecordStores>();
        services.AddSingleton<ReviewSources>();
    }

    public static WebApplication MapMarketingBot(this WebApplication app)
    {
        app.UseForwardedHeaders();
        app.MapDashboard();
        app.MapSetup();
        app.MapWebhookIntake();
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready"), ResponseWriter = WriteReadinessAsync });
        // For a load balancer: can this instance take deliveries in? A broken sheet or a silent webhook is
        // for /readyz and a person; taking every replica out of service for it would make GitHub's deliveries fail too.
        app.MapHealthChecks("/readyz/intake", new HealthCheckOptions { Predicate = c => c.Tags.Contains("intake"), ResponseWriter = WriteReadinessAsync });
        return app;
    }

    /// <summary>Each check with its description, so an operator sees why the bot is not ready.</summary>
    private static Task WriteReadinessAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        }));
    }
}
