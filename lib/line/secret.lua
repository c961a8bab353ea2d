--[[
  secret.lua: the admission secret every process shares when none is configured. A candidate is
  kept when Redis holds none (the first ask ever, or the first after Redis lost its data), and
  every ask reads the one kept.

  KEYS[1] the secret   ARGV[1] a fresh candidate

  Returns the secret
]]
redis.call('SET', KEYS[1], ARGV[1], 'NX')
return redis.call('GET', KEYS[1])
