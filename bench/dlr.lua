-- wrk script for bench/dlr.py: every request carries the next `per` reports of a block of messages,
-- batched as SMSAPI batches them (comma-separated lists, SMSAPI.md §3.4). Each pass over the
-- messages reports the next in-flight status, so the reports keep moving messages forward.
-- Arguments: base path with account and secret, reports per request, first message id, messages,
-- campaign idx key.
local threads = {}
local statuses = {409, 403, 410, 404}
local names = {[409] = "QUEUE", [403] = "SENT", [410] = "ACCEPTED", [404] = "DELIVERED"}

function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

function init(args)
  base = args[1]
  per = tonumber(args[2])
  first_id = tonumber(args[3])
  total = tonumber(args[4])
  idx_key = args[5]
  nthreads = tonumber(args[6])
  counter = thread_index
end

function request()
  local start = counter * per
  counter = counter + nthreads
  local pass = math.floor(start / total)
  local status = statuses[(pass % #statuses) + 1]
  local ids, idx, codes, words, done, points, mcc, mnc, to, users = {}, {}, {}, {}, {}, {}, {}, {}, {}, {}
  for i = 0, per - 1 do
    local id = first_id + (start + i) % total
    ids[#ids + 1] = string.format("%024X", id)
    idx[#idx + 1] = idx_key .. "-" .. id
    codes[#codes + 1] = status
    words[#words + 1] = names[status]
    done[#done + 1] = "1764000000"
    points[#points + 1] = "0.16"
    mcc[#mcc + 1] = "260"
    mnc[#mnc + 1] = "3"
    to[#to + 1] = "48600" .. string.format("%06d", id % 1000000)
    users[#users + 1] = "bench"
  end
  local path = base .. "&MsgId=" .. table.concat(ids, ",") .. "&status=" .. table.concat(codes, ",")
    .. "&status_name=" .. table.concat(words, ",") .. "&idx=" .. table.concat(idx, ",")
    .. "&donedate=" .. table.concat(done, ",") .. "&points=" .. table.concat(points, ",")
    .. "&mcc=" .. table.concat(mcc, ",") .. "&mnc=" .. table.concat(mnc, ",")
    .. "&to=" .. table.concat(to, ",") .. "&username=" .. table.concat(users, ",")
  return wrk.format("GET", path)
end
