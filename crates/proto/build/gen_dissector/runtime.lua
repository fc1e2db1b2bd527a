-- Runtime (crates/proto/build/gen_dissector/runtime.lua): walks the tables above.

local HEADER_LEN = 8
local MAX_MESSAGE_SIZE = 12500 -- header included (facts §1, K14: the reader accepts v24's maximum at any version)

ged188.prefs.version = Pref.uint("Protocol version", 24,
  "GED-188 protocol version of the sessions (13-25): floating fields have a 1-byte tag and length below 20, "
  .. "2 bytes from 20 on; it also decides the fixed fields added by later versions")
ged188.prefs.ports = Pref.range("Additional TCP ports", "",
  "TCP ports besides 42027 (side A) and 43027 (side B) that carry GED-188", 65535)

local EXPERT = {
  malformed = ProtoExpert.new("ged188.malformed", "Malformed GED-188 message",
    expert.group.MALFORMED, expert.severity.ERROR),
  unknown_type = ProtoExpert.new("ged188.unknown_type", "Message type without a known layout",
    expert.group.UNDECODED, expert.severity.NOTE),
  unknown_tag = ProtoExpert.new("ged188.unknown_tag", "Floating field not known for this message",
    expert.group.UNDECODED, expert.severity.NOTE),
}
ged188.experts = { EXPERT.malformed, EXPERT.unknown_type, EXPERT.unknown_tag }

-- Value specs ("u32", "E:AgentState:2", "M:4", "string", ...) parsed once.
local SPECS = {}
local function spec(s)
  local t = SPECS[s]
  if t then return t end
  t = { text = s }
  if s == "u8" then t.size = 1
  elseif s == "u16" then t.size = 2
  elseif s == "u32" then t.size = 4
  elseif s == "i32" then t.size = 4; t.signed = true
  elseif s == "bool" then t.size = 2; t.bool = true
  elseif s == "time" then t.size = 4; t.time = true
  elseif s:sub(1, 2) == "E:" then
    local name, size = s:match("^E:([%w_]+):(%d)$")
    t.enum = name; t.size = tonumber(size)
  elseif s:sub(1, 2) == "M:" then t.size = tonumber(s:sub(3)); t.mask = true
  end
  SPECS[s] = t
  return t
end

-- The fields: ged188.<name>, labelled with the JSON key.
local F, KIND = {}, {}
do
  local list = {}
  local ints = { [1] = ProtoField.uint8, [2] = ProtoField.uint16, [4] = ProtoField.uint32 }
  for _, fk in ipairs(FIELD_KINDS) do
    local name, kind = fk[1], fk[2]
    local abbr = "ged188." .. name
    local t = spec(kind)
    local f
    if kind == "string" then f = ProtoField.string(abbr, name)
    elseif kind == "bytes" then f = ProtoField.bytes(abbr, name)
    elseif kind == "none" then f = ProtoField.none(abbr, name)
    elseif kind == "i64" then f = ProtoField.int64(abbr, name, base.DEC)
    elseif kind == "i32" then f = ProtoField.int32(abbr, name, base.DEC)
    elseif kind == "bool" then f = ProtoField.bool(abbr, name, base.NONE)
    elseif t.enum then f = ints[t.size](abbr, name, base.DEC, VS[t.enum])
    elseif t.mask then f = ints[t.size](abbr, name, base.HEX)
    else f = ints[t.size](abbr, name, base.DEC)
    end
    F[name] = f
    KIND[name] = kind
    list[#list + 1] = f
  end
  ged188.fields = list
end

local function malformed(tree, range, text)
  if range then
    tree:add_tvb_expert_info(EXPERT.malformed, range, text)
  else
    tree:add_proto_expert_info(EXPERT.malformed, text)
  end
end

-- The text of a STRING: up to the first NUL (lenient reader, K13).
local function cstring(raw)
  local z = raw:find("\0", 1, true)
  if z then return raw:sub(1, z - 1) end
  return raw
end

local function raw(tvb, off, len)
  if len <= 0 then return "" end
  return tvb:raw(off, len)
end

local function range(tvb, off, len)
  return tvb:range(off, len)
end

-- Adds one value of spec `t` at tvb[off, off+len) as field `name`; nil and a problem when it does not decode.
local function add_value(tree, name, t, tvb, off, len)
  local f, kind = F[name], KIND[name]
  local r = range(tvb, off, len)
  if t.size then
    if len ~= t.size then
      return nil, string.format("%s: field length %d, expected %d", name, len, t.size)
    end
    local v = t.signed and r:int() or r:uint()
    local item
    if kind == "string" then item = tree:add(f, r, tostring(v))
    elseif kind == "i64" then item = tree:add(f, r, Int64.new(v))
    else item = tree:add(f, r, v) end
    if t.enum and kind ~= t.text then
      item:set_text(string.format("%s: %s (%d)", name, VS[t.enum][v] or "Unknown", v))
    end
    if t.time then item:append_text(os.date("! (%Y-%m-%d %H:%M:%S UTC)", v)) end
    return item
  end
  local s = t.text
  if s == "string" or s == "secret_string" then return tree:add(f, r, cstring(raw(tvb, off, len))) end
  if s == "secret" then return tree:add(f, r, raw(tvb, off, len)) end
  if s == "unspec" then return tree:add(f, r) end
  -- NAMEDVAR: name NUL value; NAMEDARRAY: index, name NUL value.
  local bytes = raw(tvb, off, len)
  local start = 1
  if s == "namedarray" then
    if len < 1 then return nil, name .. ": NAMEDARRAY without its index" end
    start = 2
  end
  local z = bytes:find("\0", start, true)
  if not z then return nil, name .. ": no NUL after the variable name" end
  local item = tree:add(f, r)
  if s == "namedarray" then item:add(F[name .. ".index"], range(tvb, off, 1)) end
  item:add(F[name .. ".name"], range(tvb, off + start - 1, z - start), bytes:sub(start, z - 1))
  item:add(F[name .. ".value"], range(tvb, off + z, len - z), cstring(bytes:sub(z + 1)))
  return item
end

local function unknown_field(tree, tvb, start, tag, data, flen)
  local item = tree:add(F["unknown_fields"], range(tvb, start, data - start + flen))
  item:add(F["unknown_fields.tag"], range(tvb, start, data - start), tag)
  item:add(F["unknown_fields.data_hex"], range(tvb, data, flen))
  item:add_proto_expert_info(EXPERT.unknown_tag, "tag " .. tag)
end

local function dissect_body(tvb, off, len, tree, def, version)
  local pos, stop = off, off + len
  for _, fx in ipairs(def.fixed) do
    local name, t, since = fx[1], spec(fx[2]), fx[3]
    if not since or version >= since then
      if pos + t.size > stop then
        malformed(tree, nil, string.format("fixed part ends early at %s: need %d bytes, %d left",
          name, t.size, stop - pos))
        return
      end
      local item, problem = add_value(tree, name, t, tvb, pos, t.size)
      if not item then malformed(tree, range(tvb, pos, t.size), problem) end
      pos = pos + t.size
    end
  end
  if def.rest_u32 then
    if (stop - pos) % 4 ~= 0 then
      malformed(tree, nil, def.rest_u32 .. ": the rest of the body is not a whole number of UINTs")
    end
    while pos + 4 <= stop do
      tree:add(F[def.rest_u32], range(tvb, pos, 4))
      pos = pos + 4
    end
    return
  end
  local hl = (version >= 20) and 4 or 2
  local seen, open_tuple, prev = {}, {}, nil
  while pos < stop do
    local start = pos
    local problem, tag, flen
    if stop - pos < hl then
      problem = string.format("floating field header ends early: need %d bytes, %d left", hl, stop - pos)
    else
      if hl == 4 then
        tag, flen = tvb:range(pos, 2):uint(), tvb:range(pos + 2, 2):uint()
      else
        tag, flen = tvb:range(pos, 1):uint(), tvb:range(pos + 1, 1):uint()
      end
      if stop - pos - hl < flen then
        problem = string.format("floating field (tag %d) data ends early: need %d bytes, %d left",
          tag, flen, stop - pos - hl)
      end
    end
    if problem then
      if def.lenient_tail then
        tree:add(F["tail_hex"], range(tvb, start, stop - start))
      else
        malformed(tree, range(tvb, start, stop - start), problem)
      end
      return
    end
    local data = pos + hl
    local fd = def.floats[tag]
    -- A tuple member that a single field shares (OPEN_CONF's MultilineAgentControl): the tuple's only right
    -- after the member before it, the single field otherwise.
    if fd ~= nil and fd.lone ~= nil and prev ~= fd.after then fd = fd.lone end
    prev = tag
    if fd == nil or (not fd.list and not fd.tuple and seen[fd[1]]) then
      unknown_field(tree, tvb, start, tag, data, flen)
    else
      local parent = tree
      if fd.tuple then
        parent = open_tuple[fd.tuple]
        if fd.first or parent == nil then
          parent = tree:add(F[fd.tuple], range(tvb, start, hl + flen))
          open_tuple[fd.tuple] = parent
        end
      elseif not fd.list then
        seen[fd[1]] = true
      end
      local item, why = add_value(parent, fd[1], spec(fd[2]), tvb, data, flen)
      if not item then malformed(parent, range(tvb, start, hl + flen), why) end
    end
    pos = data + flen
  end
end

local function pdu_len(tvb, _, offset)
  local body = tvb:range(offset, 4):uint()
  if body > MAX_MESSAGE_SIZE - HEADER_LEN then
    -- Over the maximum: take what this segment has and flag it, rather than wait for megabytes.
    return tvb:len() - offset
  end
  return body + HEADER_LEN
end

local function dissect_pdu(tvb, pinfo, tree)
  local version = ged188.prefs.version
  local body = tvb:range(0, 4):uint()
  local mtype = tvb:range(4, 4):uint()
  local name = VS["MessageType"][mtype] or ("UNKNOWN(" .. mtype .. ")")
  local t = tree:add(ged188, tvb:range(0, tvb:len()), "GED-188 " .. name)
  t:add(F["length"], tvb:range(0, 4))
  t:add(F["type"], tvb:range(4, 4))
  pinfo.cols.info:append(name .. " ")
  if body > MAX_MESSAGE_SIZE - HEADER_LEN then
    malformed(t, tvb:range(0, 4), string.format("message length %d is over the maximum of %d",
      body, MAX_MESSAGE_SIZE - HEADER_LEN))
    return tvb:len()
  end
  local def = MESSAGES[mtype]
  if def then
    dissect_body(tvb, HEADER_LEN, body, t, def, version)
  else
    if body > 0 then t:add(F["body_hex"], tvb:range(HEADER_LEN, body)) end
    t:add_proto_expert_info(EXPERT.unknown_type, "message type " .. mtype)
  end
  return tvb:len()
end

function ged188.dissector(tvb, pinfo, tree)
  pinfo.cols.protocol = "GED-188"
  pinfo.cols.info:clear()
  dissect_tcp_pdus(tvb, tree, HEADER_LEN, pdu_len, dissect_pdu)
  return tvb:len()
end

local tcp_port = DissectorTable.get("tcp.port")
tcp_port:add(42027, ged188)
tcp_port:add(43027, ged188)
local extra_ports = ""
function ged188.prefs_changed()
  if extra_ports ~= "" then tcp_port:remove(extra_ports, ged188) end
  extra_ports = tostring(ged188.prefs.ports)
  if extra_ports ~= "" then tcp_port:add(extra_ports, ged188) end
end
