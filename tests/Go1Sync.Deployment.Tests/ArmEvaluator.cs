using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Go1Sync.Deployment.Tests;

/// <summary>
/// Evaluates the ARM template expressions of a compiled deployment for given main-template parameter
/// values, as far as they can be known before deployment: parameters, variables, logic, strings and
/// objects. What only Azure knows (reference(), resourceId(), uniqueString(), ...) comes back opaque:
/// a string that starts with <see cref="OpaqueMarker"/> and shows the call. Deciding a condition on an
/// opaque value throws, and so does fail() (as a deployment would).
/// </summary>
internal sealed class ArmEvaluator(IReadOnlyDictionary<string, JsonNode?> mainParameters, int? copyIndex = null)
{
    public const char OpaqueMarker = '\u2047';

    /// <summary>The same evaluation inside iteration <paramref name="index"/> of a copy loop (copyIndex()).</summary>
    public ArmEvaluator ForCopy(int index) => new(MainParameters, index);

    /// <summary>
    /// The evaluators of a resource's instances: one per iteration of its copy loop (none when the loop is
    /// empty), or one when it has no loop.
    /// </summary>
    public IEnumerable<ArmEvaluator> Instances(ArmTemplate template, JsonObject resource)
    {
        if (resource["copy"] is not JsonObject copy)
        {
            return [this];
        }

        var count = Evaluate(template, copy["count"])?.GetValue<int>()
            ?? throw new InvalidOperationException($"{template.Path}: copy loop {copy["name"]} has no count.");
        return Enumerable.Range(0, count).Select(ForCopy);
    }

    /// <summary>The main template's parameter values: the given ones, the defaults for the rest.</summary>
    public IReadOnlyDictionary<string, JsonNode?> MainParameters { get; } = mainParameters;

    public static bool IsOpaque(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0 && s[0] == OpaqueMarker;

    /// <summary>A node with every expression in it evaluated (objects and arrays deeply).</summary>
    public JsonNode? Evaluate(ArmTemplate template, JsonNode? node) => node switch
    {
        null => null,
        JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(p.Key, Evaluate(template, p.Value)))),
        JsonArray a => new JsonArray(a.Select(i => Evaluate(template, i)).ToArray()),
        JsonValue v when v.TryGetValue<string>(out var s) => EvaluateString(template, s),
        _ => node.DeepClone(),
    };

    /// <summary>Whether a resource is deployed: its own condition and those of the module deployments above it.</summary>
    public bool IsDeployed(ArmTemplate template, JsonObject resource)
    {
        if (resource["condition"] is { } condition && !Truth(Evaluate(template, condition), condition))
        {
            return false;
        }

        return template.Parent is null || IsDeployed(template.Parent, template.Deployment!);
    }

    /// <summary>A main-template parameter's value: the one given, else its default.</summary>
    public JsonNode? MainParameter(ArmTemplate main, string name) =>
        MainParameters.TryGetValue(name, out var given)
            ? given?.DeepClone()
            : main.Template["parameters"]?[name]?["defaultValue"] is { } d
                ? Evaluate(main, d)
                : throw new InvalidOperationException($"No value given for the main parameter '{name}', and it has no default.");

    private JsonNode? EvaluateString(ArmTemplate template, string text)
    {
        if (text.StartsWith("[[", StringComparison.Ordinal))
        {
            return JsonValue.Create(text[1..]);
        }

        if (!(text.StartsWith('[') && text.EndsWith(']')))
        {
            return JsonValue.Create(text);
        }

        var parser = new Parser(text[1..^1]);
        var expression = parser.ParseExpression();
        parser.ExpectEnd();
        return Eval(template, expression);
    }

    private abstract record Expr;

    private sealed record Literal(JsonNode? Value) : Expr;

    private sealed record Call(string Name, IReadOnlyList<Expr> Arguments) : Expr;

    private sealed record Member(Expr Target, string Name) : Expr;

    private sealed record Index(Expr Target, Expr Key) : Expr;

    private JsonNode? Eval(ArmTemplate t, Expr e) => e switch
    {
        Literal l => l.Value?.DeepClone(),
        Member m => Access(Eval(t, m.Target), m.Name),
        Index i => IndexInto(Eval(t, i.Target), Eval(t, i.Key)),
        Call c => Invoke(t, c),
        _ => throw new InvalidOperationException($"Unknown expression {e}."),
    };

    private JsonNode? Invoke(ArmTemplate t, Call c)
    {
        JsonNode? Arg(int i) => Eval(t, c.Arguments[i]);
        IEnumerable<JsonNode?> Args() => c.Arguments.Select(a => Eval(t, a));

        switch (c.Name.ToLowerInvariant())
        {
            case "parameters":
                return Parameter(t, Text(Arg(0)));
            case "variables":
                var name = Text(Arg(0));
                return t.Template["variables"] is JsonObject vars && vars.ContainsKey(name)
                    ? Evaluate(t, vars[name])
                    : throw new InvalidOperationException($"{t.Path}: no variable '{name}'.");
            case "if":
                return Truth(Arg(0), c) ? Arg(1) : Arg(2);
            case "not":
                return JsonValue.Create(!Truth(Arg(0), c));
            case "and":
                return JsonValue.Create(c.Arguments.All(a => Truth(Eval(t, a), c)));
            case "or":
                return JsonValue.Create(c.Arguments.Any(a => Truth(Eval(t, a), c)));
            case "equals":
                var (x, y) = (Arg(0), Arg(1));
                if (IsOpaque(x) || IsOpaque(y))
                {
                    throw new InvalidOperationException($"Cannot decide {Show(c)}: it compares a value only Azure knows.");
                }

                return JsonValue.Create(JsonNode.DeepEquals(x, y));
            case "empty":
                var value = Arg(0);
                if (IsOpaque(value))
                {
                    throw new InvalidOperationException($"Cannot decide {Show(c)}.");
                }

                return JsonValue.Create(value switch
                {
                    null => true,
                    JsonArray a => a.Count == 0,
                    JsonObject o => o.Count == 0,
                    JsonValue v when v.TryGetValue<string>(out var s) => s.Length == 0,
                    _ => false,
                });
            case "true":
                return JsonValue.Create(true);
            case "false":
                return JsonValue.Create(false);
            case "null":
                return null;
            case "copyindex":
                var offset = c.Arguments.Count > 0 && Arg(c.Arguments.Count - 1) is JsonValue ov && ov.TryGetValue<int>(out var off) ? off : 0;
                return copyIndex is { } index
                    ? JsonValue.Create(index + offset)
                    : throw new InvalidOperationException("copyIndex() outside a copy loop: evaluate with Instances().");
            case "length":
                return Arg(0) switch
                {
                    JsonArray a => JsonValue.Create(a.Count),
                    JsonObject o2 => JsonValue.Create(o2.Count),
                    JsonValue v when v.TryGetValue<string>(out var str) && !IsOpaque(v) => JsonValue.Create(str.Length),
                    var other => Opaque($"length({Render(other)})"),
                };
            case "fail":
                throw new ArmFailException(Text(Arg(0)));
            case "coalesce":
                return Args().FirstOrDefault(a => a is not null);
            case "createobject":
                var created = new JsonObject();
                for (var i = 0; i + 1 < c.Arguments.Count; i += 2)
                {
                    created[Text(Arg(i))] = Arg(i + 1);
                }

                return created;
            case "createarray":
                return new JsonArray(Args().ToArray());
            case "concat":
                var parts = Args().ToList();
                if (parts.Count > 0 && parts.All(p => p is JsonArray))
                {
                    return new JsonArray(parts.SelectMany(p => p!.AsArray().Select(n => n?.DeepClone())).ToArray());
                }

                return Str(string.Concat(parts.Select(Render)), parts.Any(IsOpaque));
            case "format":
                var all = Args().ToList();
                var formatted = string.Format(CultureInfo.InvariantCulture, Text(all[0]), all.Skip(1).Select(a => (object)Render(a)).ToArray());
                return Str(formatted, all.Any(IsOpaque));
            case "tolower":
                var lower = Arg(0);
                return IsOpaque(lower) ? lower : JsonValue.Create(Text(lower).ToLowerInvariant());
            case "string":
                var s0 = Arg(0);
                return s0 is JsonValue sv && sv.TryGetValue<string>(out _) ? s0 : Str(Render(s0), IsOpaque(s0));
            case "union":
                var merged = new JsonObject();
                foreach (var o in Args())
                {
                    if (o is not JsonObject obj)
                    {
                        return Opaque(Show(c));
                    }

                    foreach (var p in obj)
                    {
                        merged[p.Key] = p.Value?.DeepClone();
                    }
                }

                return merged;
            case "tryget":
                var target = Arg(0);
                for (var i = 1; i < c.Arguments.Count && target is not null; i++)
                {
                    target = target is JsonObject to && to.TryGetPropertyValue(Text(Arg(i)), out var next) ? next?.DeepClone() : null;
                }

                return target;
            default:
                // resourceId(), reference(), uniqueString(), guid(), environment(), ...: known only to Azure.
                return Opaque($"{c.Name}({string.Join(", ", Args().Select(Render))})");
        }
    }

    private JsonNode? Parameter(ArmTemplate t, string name)
    {
        if (t.Parent is null)
        {
            return MainParameter(t, name);
        }

        // Passed as { "value": ... }, or as one expression that yields that object (Bicep hoists conditionals).
        if (t.Deployment?["properties"]?["parameters"]?[name] is { } passed
            && Evaluate(t.Parent, passed) is JsonObject evaluated && evaluated.ContainsKey("value"))
        {
            return evaluated["value"]?.DeepClone();
        }

        return t.Template["parameters"]?[name]?["defaultValue"] is { } d
            ? Evaluate(t, d)
            : throw new InvalidOperationException($"{t.Path}: parameter '{name}' is neither passed nor defaulted.");
    }

    private static JsonNode? Access(JsonNode? target, string name) => target switch
    {
        JsonObject o => o.TryGetPropertyValue(name, out var v)
            ? v?.DeepClone()
            : throw new InvalidOperationException($"No property '{name}' in {o.ToJsonString()}."),
        _ when IsOpaque(target) => Opaque($"{Render(target)}.{name}"),
        _ => throw new InvalidOperationException($"Cannot read '{name}' of {target?.ToJsonString() ?? "null"}."),
    };

    private static JsonNode? IndexInto(JsonNode? target, JsonNode? key) => (target, key) switch
    {
        (JsonArray a, JsonValue k) when k.TryGetValue<int>(out var i) => a[i]?.DeepClone(),
        (JsonObject o, _) => Access(o, Text(key)),
        _ => Opaque($"{Render(target)}[{Render(key)}]"),
    };

    private static bool Truth(JsonNode? value, object where) =>
        value is JsonValue v && v.TryGetValue<bool>(out var b)
            ? b
            : throw new InvalidOperationException($"Cannot decide {Show(where)}: its value is {Render(value)}.");

    private static string Text(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<string>(out var s) ? s : Render(node);

    private static string Render(JsonNode? node) => node switch
    {
        null => "null",
        JsonValue v when v.TryGetValue<string>(out var s) => s.Length > 0 && s[0] == OpaqueMarker ? s[1..] : s,
        JsonValue v when v.TryGetValue<bool>(out var b) => b ? "True" : "False",
        _ => node.ToJsonString(),
    };

    private static JsonNode Str(string text, bool opaque) => opaque ? Opaque(text) : JsonValue.Create(text);

    private static JsonNode Opaque(string text) => JsonValue.Create(OpaqueMarker + text);

    private static string Show(object where) => where switch
    {
        Call c => $"{c.Name}(...)",
        JsonNode n => n.ToJsonString(),
        _ => where.ToString() ?? "",
    };

    /// <summary>A recursive-descent parser for the ARM expression language.</summary>
    private sealed class Parser(string text)
    {
        private int _at;

        public Expr ParseExpression()
        {
            SkipSpace();
            Expr expr;
            if (Peek() == '\'')
            {
                expr = new Literal(JsonValue.Create(ReadString()));
            }
            else if (char.IsDigit(Peek()) || Peek() == '-')
            {
                var start = _at++;
                while (char.IsDigit(Peek()))
                {
                    _at++;
                }

                var number = long.Parse(text[start.._at], CultureInfo.InvariantCulture);
                expr = new Literal(number is >= int.MinValue and <= int.MaxValue ? JsonValue.Create((int)number) : JsonValue.Create(number));
            }
            else
            {
                var name = ReadIdentifier();
                Expect('(');
                var args = new List<Expr>();
                SkipSpace();
                if (Peek() != ')')
                {
                    args.Add(ParseExpression());
                    while (TryRead(','))
                    {
                        args.Add(ParseExpression());
                    }
                }

                Expect(')');
                expr = new Call(name, args);
            }

            while (true)
            {
                SkipSpace();
                if (TryRead('.'))
                {
                    expr = new Member(expr, ReadIdentifier());
                }
                else if (TryRead('['))
                {
                    var key = ParseExpression();
                    Expect(']');
                    expr = new Index(expr, key);
                }
                else
                {
                    return expr;
                }
            }
        }

        public void ExpectEnd()
        {
            SkipSpace();
            if (_at != text.Length)
            {
                throw new FormatException($"Unexpected '{text[_at..]}' in [{text}].");
            }
        }

        private char Peek() => _at < text.Length ? text[_at] : '\0';

        private void SkipSpace()
        {
            while (char.IsWhiteSpace(Peek()))
            {
                _at++;
            }
        }

        private bool TryRead(char c)
        {
            SkipSpace();
            if (Peek() != c)
            {
                return false;
            }

            _at++;
            return true;
        }

        private void Expect(char c)
        {
            if (!TryRead(c))
            {
                throw new FormatException($"Expected '{c}' at {_at} in [{text}].");
            }
        }

        private string ReadIdentifier()
        {
            SkipSpace();
            var start = _at;
            while (char.IsLetterOrDigit(Peek()) || Peek() is '_' or '$')
            {
                _at++;
            }

            return _at > start ? text[start.._at] : throw new FormatException($"Expected a name at {_at} in [{text}].");
        }

        private string ReadString()
        {
            var result = new StringBuilder();
            _at++; // opening quote
            while (true)
            {
                if (_at >= text.Length)
                {
                    throw new FormatException($"Unterminated string in [{text}].");
                }

                if (text[_at] == '\'')
                {
                    if (_at + 1 < text.Length && text[_at + 1] == '\'')
                    {
                        result.Append('\'');
                        _at += 2;
                        continue;
                    }

                    _at++;
                    return result.ToString();
                }

                result.Append(text[_at++]);
            }
        }
    }
}

/// <summary>The template called fail(): the deployment would stop with this message.</summary>
internal sealed class ArmFailException(string message) : Exception(message);
