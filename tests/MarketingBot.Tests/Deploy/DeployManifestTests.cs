using System.Reflection;
using System.Text.RegularExpressions;
using MarketingBot.Configuration;
using MarketingBot.Health;
using MarketingBot.Tests.Support;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace MarketingBot.Tests.Deploy;

/// <summary>
/// The container, compose file and Kubernetes manifests in <c>deploy/</c> read as the application is:
/// the image runs the app's own assembly as a non-root user, the ports and probe paths are the app's,
/// and every setting they pass is one the app reads.
/// </summary>
public sealed partial class DeployManifestTests
{
    private static readonly string Root = FindRoot();
    private static readonly string Deploy = Path.Combine(Root, "deploy");
    private static readonly IDeserializer Yaml = new DeserializerBuilder().Build();

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            if (File.Exists(Path.Combine(folder.FullName, "MarketingBot.sln"))) return folder.FullName;
        throw new InvalidOperationException("the repository root (MarketingBot.sln) was not found above the test output");
    }

    /// <summary>Every <c>Section__Key</c> the app binds, from its settings classes, and the platform's own variables.</summary>
    private static bool IsSettingTheAppReads(string name)
    {
        if (name.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || name.StartsWith("DOTNET_", StringComparison.Ordinal) ||
            name.StartsWith("OTEL_", StringComparison.Ordinal)) return true;
        var known = typeof(Program).Assembly.GetTypes()
            .Select(t => (Type: t, Section: t.GetField("Section", BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue() as string))
            .Where(t => t.Section is not null)
            .SelectMany(t => t.Type.GetProperties().Where(p => p.CanWrite).Select(p => $"{t.Section}__{p.Name}"));
        return known.Contains(name);
    }

    private static Dictionary<object, object> ReadYaml(string relativePath) =>
        Yaml.Deserialize<Dictionary<object, object>>(File.ReadAllText(Path.Combine(Deploy, relativePath)));

    /// <summary>Every document of a multi-document file (separated by <c>---</c>).</summary>
    private static List<Dictionary<object, object>> ReadYamlDocuments(string relativePath)
    {
        var parser = new YamlDotNet.Core.Parser(new StringReader(File.ReadAllText(Path.Combine(Deploy, relativePath))));
        parser.Consume<YamlDotNet.Core.Events.StreamStart>();
        var documents = new List<Dictionary<object, object>>();
        while (parser.Accept<YamlDotNet.Core.Events.DocumentStart>(out _)) documents.Add(Yaml.Deserialize<Dictionary<object, object>>(parser));
        return documents;
    }

    private static object? At(object? node, params object[] path)
    {
        foreach (var step in path)
            node = (node, step) switch
            {
                (Dictionary<object, object> map, string key) => map.GetValueOrDefault(key),
                (List<object> list, int index) => index < list.Count ? list[index] : null,
                _ => null,
            };
        return node;
    }

    private static List<object> List(object? node) => node as List<object> ?? [];

    private static Dictionary<object, object> Map(object? node) => node as Dictionary<object, object> ?? [];

    private static string Dockerfile => File.ReadAllText(Path.Combine(Deploy, "Dockerfile"));

    [GeneratedRegex(@"^(?<instruction>[A-Z]+)\s+(?<arguments>(?:.*\\\n)*.*)", RegexOptions.Multiline)]
    private static partial Regex Instruction();

    private static List<(string Instruction, string Arguments)> Instructions() =>
        Instruction().Matches(Dockerfile).Select(m => (m.Groups["instruction"].Value, m.Groups["arguments"].Value.Replace("\\\n", " "))).ToList();

    private static int ExposedPort => int.Parse(Assert.Single(Instructions(), i => i.Instruction == "EXPOSE").Arguments.Trim());

    [Fact]
    public void The_image_is_built_in_two_stages_and_runs_the_apps_own_assembly_as_a_non_root_user_with_a_health_check()
    {
        var instructions = Instructions();
        var stages = instructions.Where(i => i.Instruction == "FROM").ToList();
        Assert.True(stages.Count >= 2, "a build stage and a runtime stage");
        Assert.Contains("/sdk:", stages[0].Arguments);
        Assert.Contains("/aspnet:", stages[^1].Arguments);
        Assert.Contains(instructions, i => i.Instruction == "COPY" && i.Arguments.StartsWith("--from=build", StringComparison.Ordinal));

        var publish = Assert.Single(instructions, i => i.Instruction == "RUN" && i.Arguments.Contains("dotnet publish"));
        var project = Regex.Match(publish.Arguments, @"(\S+\.csproj)").Groups[1].Value;
        Assert.True(File.Exists(Path.Combine(Root, project)), $"{project} does not exist");

        var runtime = instructions.SkipWhile(i => i != stages[^1]).ToList();
        var user = Assert.Single(runtime, i => i.Instruction == "USER").Arguments.Trim();
        Assert.NotEqual("root", user);
        Assert.NotEqual("0", user);
        var assembly = typeof(Program).Assembly.GetName().Name + ".dll";
        Assert.Contains($"/app/{assembly}\"]", Assert.Single(runtime, i => i.Instruction == "ENTRYPOINT").Arguments);
        var health = Assert.Single(runtime, i => i.Instruction == "HEALTHCHECK").Arguments;
        Assert.Contains($"/app/{assembly}\", \"healthcheck\", \"http://127.0.0.1:{ExposedPort}/healthz\"", health);
        Assert.Contains($"http://+:{ExposedPort}", Assert.Single(runtime, i => i.Instruction == "ENV").Arguments);
        Assert.Equal(HealthProbe.DefaultUrl, $"http://127.0.0.1:{ExposedPort}/healthz");
    }

    [Fact]
    public void The_images_settings_are_ones_the_app_reads()
    {
        var env = Assert.Single(Instructions(), i => i.Instruction == "ENV").Arguments;
        var names = Regex.Matches(env, @"([A-Za-z_][A-Za-z0-9_]*)=(?:""[^""]*""|\S*)").Select(m => m.Groups[1].Value).ToList();
        Assert.Contains("Storage__ConnectionString", names);
        Assert.All(names, name => Assert.True(IsSettingTheAppReads(name), $"{name} is not a setting MarketingBot reads"));
    }

    /// <summary>Variables compose.env.example sets for compose.yaml itself, not for the bot.</summary>
    private static readonly string[] ComposeVariables = ["PUBLIC_HOST", "MARKETINGBOT_BIND", "MARKETINGBOT_PORT", "GITHUB_APP_KEY_FILE", "GOOGLE_KEY_FILE", "MARKETINGBOT_IMAGE"];

    [Fact]
    public void Compose_starts_a_configured_bot_with_its_keys_as_secrets_its_data_on_a_named_volume_and_its_port_on_localhost()
    {
        var compose = ReadYaml("compose.yaml");
        var services = Map(compose["services"]);
        var bot = Map(services["marketingbot"]);
        Assert.Equal("deploy/Dockerfile", At(bot, "build", "dockerfile"));
        Assert.True(File.Exists(Path.GetFullPath(Path.Combine(Deploy, (string)At(bot, "build", "context")!, "deploy/Dockerfile"))));
        Assert.Equal(".env", At(bot, "env_file", 0));

        var environment = Map(bot["environment"]).ToDictionary(e => (string)e.Key, e => (string)e.Value);
        Assert.All(environment.Keys, name => Assert.True(IsSettingTheAppReads(name), $"{name} is not a setting MarketingBot reads"));
        // Each key file setting points where compose mounts a secret, and each secret comes from a file.
        var secrets = List(bot["secrets"]).Cast<string>().ToList();
        foreach (var file in new[] { "GitHub__PrivateKeyPath", "Sheets__CredentialsPath" })
        {
            var secret = Assert.Single(secrets, s => environment[file] == $"/run/secrets/{s}");
            Assert.NotNull(At(compose, "secrets", secret, "file"));
        }
        // The database and what /setup stores live on a named volume, so they outlive "docker compose down".
        var mount = Assert.Single(List(bot["volumes"]).Cast<string>()).Split(':');
        Assert.True(Map(compose["volumes"]).ContainsKey(mount[0]), $"{mount[0]} is not a named volume");
        Assert.Equal($"Data Source={mount[1]}/marketingbot.db", environment["Storage__ConnectionString"]);
        Assert.Equal(mount[1], environment["Setup__Directory"]);
        // Published on this machine only unless the operator says otherwise; the container port is the image's.
        var port = (string)List(bot["ports"]).Single();
        Assert.StartsWith("${MARKETINGBOT_BIND:-127.0.0.1}:", port, StringComparison.Ordinal);
        Assert.EndsWith($":{ExposedPort}", port, StringComparison.Ordinal);
        // The optional HTTPS proxy runs only when asked for, and forwards to the bot's port.
        var https = Map(services["https"]);
        Assert.Equal("https", At(https, "profiles", 0));
        Assert.Contains($"marketingbot:{ExposedPort}", List(https["command"]).Cast<string>());

        var example = File.ReadLines(Path.Combine(Deploy, "compose.env.example"))
            .Where(line => line.Length > 0 && !line.StartsWith('#')).Select(line => line[..line.IndexOf('=')]).ToList();
        Assert.All(example, name => Assert.True(IsSettingTheAppReads(name) || ComposeVariables.Contains(name), $"{name} is neither a bot setting nor a compose variable"));
        Assert.Contains("GitHub__WebhookSecret", example);
    }

    [Fact]
    public void The_image_leaves_out_local_builds_databases_and_keys()
    {
        var ignored = File.ReadLines(Path.Combine(Root, ".dockerignore")).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        foreach (var pattern in new[] { "**/bin/", "**/obj/", "**/data/", "**/*.db", "**/*.pem", "deploy/.env", "deploy/secrets/" })
            Assert.Contains(pattern, ignored);
    }

    [Fact]
    public async Task The_Deployment_runs_several_replicas_with_probes_the_app_answers_limits_and_secrets_by_reference()
    {
        var deployment = ReadYaml("kubernetes/deployment.yaml");
        Assert.Equal("Deployment", deployment["kind"]);
        Assert.True(int.Parse((string)At(deployment, "spec", "replicas")!) >= 2, "several replicas");
        var labels = Map(At(deployment, "spec", "template", "metadata", "labels"));
        Assert.Equal(Map(At(deployment, "spec", "selector", "matchLabels")), labels);

        var container = Map(At(deployment, "spec", "template", "spec", "containers", 0));
        var port = Map(At(container, "ports", 0));
        Assert.Equal(ExposedPort, int.Parse((string)port["containerPort"]));
        Assert.Equal("true", At(deployment, "spec", "template", "spec", "securityContext", "runAsNonRoot"));
        Assert.NotNull(At(container, "resources", "limits", "cpu"));
        Assert.NotNull(At(container, "resources", "limits", "memory"));
        Assert.NotNull(At(container, "resources", "requests", "memory"));

        await using var bot = new BotFactory();
        var client = bot.CreateClient();
        foreach (var probe in new[] { "startupProbe", "livenessProbe", "readinessProbe" })
        {
            Assert.Equal(port["name"], At(container, probe, "httpGet", "port"));
            var path = (string)At(container, probe, "httpGet", "path")!;
            Assert.True((await client.GetAsync(path)).IsSuccessStatusCode, $"{probe} {path} does not answer 2xx on a healthy bot");
        }
        Assert.Equal("/readyz/intake", At(container, "readinessProbe", "httpGet", "path"));

        var secrets = List(container["env"]).Select(Map).ToList();
        Assert.All(secrets, e => Assert.True(IsSettingTheAppReads((string)e["name"]), $"{e["name"]} is not a setting MarketingBot reads"));
        foreach (var secret in new[] { "GitHub__WebhookSecret", "GitHub__AppId", "Storage__ConnectionString", "Dashboard__Token" })
            Assert.NotNull(At(secrets.Single(e => (string)e["name"] == secret), "valueFrom", "secretKeyRef", "key"));
        Assert.DoesNotContain(secrets, e => e.ContainsKey("value") && ((string)e["name"]).Contains("Secret", StringComparison.Ordinal));

        // The key files the ConfigMap points at are where the Secret's volumes are mounted.
        var config = Map(ReadYaml("kubernetes/configmap.yaml")["data"]).ToDictionary(e => (string)e.Key, e => (string)e.Value);
        Assert.All(config.Keys, name => Assert.True(IsSettingTheAppReads(name), $"{name} is not a setting MarketingBot reads"));
        Assert.Equal(StorageProvider.Postgres, new StorageSettings { Provider = config["Storage__Provider"] }.Engine);
        var mounts = List(container["volumeMounts"]).Select(Map).Select(m => (string)m["mountPath"]).ToList();
        foreach (var file in new[] { "GitHub__PrivateKeyPath", "Sheets__CredentialsPath" })
            Assert.Contains(Path.GetDirectoryName(config[file]), mounts);
        Assert.Equal("marketingbot", At(container, "envFrom", 0, "configMapRef", "name"));
        Assert.Equal("marketingbot", At(ReadYaml("kubernetes/configmap.yaml"), "metadata", "name"));
    }

    [Fact]
    public void The_Service_and_the_disruption_budget_select_the_Deployments_pods_and_keep_most_of_them_up()
    {
        var deployment = ReadYaml("kubernetes/deployment.yaml");
        var labels = Map(At(deployment, "spec", "template", "metadata", "labels"));
        var portName = At(deployment, "spec", "template", "spec", "containers", 0, "ports", 0, "name");

        var service = ReadYaml("kubernetes/service.yaml");
        Assert.Equal("Service", service["kind"]);
        Assert.Equal(labels, Map(At(service, "spec", "selector")));
        Assert.Equal(portName, At(service, "spec", "ports", 0, "targetPort"));

        var budget = ReadYaml("kubernetes/poddisruptionbudget.yaml");
        Assert.Equal("PodDisruptionBudget", budget["kind"]);
        Assert.Equal(labels, Map(At(budget, "spec", "selector", "matchLabels")));
        Assert.True(int.Parse((string)At(budget, "spec", "maxUnavailable")!) < int.Parse((string)At(deployment, "spec", "replicas")!));

        var kustomization = ReadYaml("kubernetes/kustomization.yaml");
        var resources = List(kustomization["resources"]).Cast<string>();
        Assert.All(resources, file => Assert.True(File.Exists(Path.Combine(Deploy, "kubernetes", file)), file));
        Assert.Equal(["configmap.yaml", "deployment.yaml", "ingress.yaml", "poddisruptionbudget.yaml", "postgres.yaml", "service.yaml"], resources.Order());

        // One line names the registry and tag: the Deployment's image is the kustomize image's name.
        var image = Map(List(kustomization["images"]).Single());
        Assert.Equal(At(deployment, "spec", "template", "spec", "containers", 0, "image"), image["name"]);
        Assert.Contains("/", (string)image["newName"]);
        Assert.NotEmpty((string)image["newTag"]);

        // The Ingress reaches the Service's port.
        var ingress = ReadYaml("kubernetes/ingress.yaml");
        var backend = At(ingress, "spec", "rules", 0, "http", "paths", 0, "backend", "service");
        Assert.Equal(At(service, "metadata", "name"), At(backend, "name"));
        Assert.Equal(At(service, "spec", "ports", 0, "name"), At(backend, "port", "name"));

        // The database the connection string names is the one postgres.yaml starts, with the Secret's password.
        var postgres = ReadYamlDocuments("kubernetes/postgres.yaml");
        Assert.Equal("postgres", At(postgres.Single(d => (string)d["kind"] == "Service"), "metadata", "name"));
        var password = List(At(postgres.Single(d => (string)d["kind"] == "StatefulSet"), "spec", "template", "spec", "containers", 0, "env")).Select(Map)
            .Single(e => (string)e["name"] == "POSTGRES_PASSWORD");
        Assert.Equal("marketingbot", At(password, "valueFrom", "secretKeyRef", "name"));
        Assert.Contains("Host=postgres;", File.ReadAllText(Path.Combine(Deploy, "kubernetes", "secret.example.yaml")));
    }

    [Fact]
    public void The_env_file_example_names_only_settings_the_app_reads()
    {
        var names = File.ReadLines(Path.Combine(Deploy, "marketingbot.env.example"))
            .Where(line => line.Length > 0 && !line.StartsWith('#')).Select(line => line[..line.IndexOf('=')]).ToList();
        Assert.Contains("Storage__Provider", names);
        Assert.All(names, name => Assert.True(IsSettingTheAppReads(name), $"{name} is not a setting MarketingBot reads"));
    }
}
